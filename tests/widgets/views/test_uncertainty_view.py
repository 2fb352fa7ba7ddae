"""UncertaintyView in Python: the overview charts hold predict_uncertainty's numbers, a click fills
the histogram and the bars, the sample-count slider recomputes, and errors keep the view working."""

import numpy as np
import pytest

import xai_widgets as xw
from xai_widgets.zoo import (
    load_dropout_shapes_model,
    make_noisy_regression,
    make_shapes,
    train_dropout_mlp,
    train_mlp_ensemble,
)

SEED = 0


@pytest.fixture(scope="module")
def regression():
    data = make_noisy_regression(n_train=300, n_test=60, seed=1)
    return data, xw.Explainer(train_dropout_mlp(data, steps=300))


@pytest.fixture
def view(regression):
    data, explainer = regression
    view = xw.UncertaintyView(explainer, data.x_test, data.y_test, n_samples=20, feature_names=["x"])
    assert view.wait(60)
    yield view
    view.close()


def test_error_sigma_scatter_and_coverage_equal_the_kernel(view, regression):
    data, explainer = regression
    assert view.status == "idle" and view.error == ""
    expected = explainer.predict_uncertainty(data.x_test, n_samples=20, seed=SEED)
    sigma, errors = expected.std[:, 0], expected.mean[:, 0] - data.y_test[:, 0]
    np.testing.assert_allclose(view.overview.scatter.x, sigma.numpy(), rtol=1e-5)
    np.testing.assert_allclose(view.overview.scatter.y, errors.abs().numpy(), rtol=1e-5, atol=1e-7)
    coverage = float(xw.performance.coverage(errors, sigma, k=2.0))
    assert view.coverage == pytest.approx(coverage)
    assert f"|error| = 2σ: {coverage:.0%} of 60 under it" in view.overview.key.value
    # The 2σ line, and predicted against true with ±2σ bars.
    np.testing.assert_allclose(view.overview.guide.y, 2 * np.asarray(view.overview.guide.x), rtol=1e-6)
    np.testing.assert_allclose(view.second.scatter.y, expected.mean[:, 0].numpy(), rtol=1e-5)
    bars = np.asarray(view.second.error_bars.y)
    np.testing.assert_allclose(bars[:, 1] - bars[:, 0], 4 * sigma.numpy(), rtol=1e-4, atol=1e-6)
    assert view.kernel_calls["predict_uncertainty"] == 1


def test_a_click_fills_the_histogram_and_the_bars(view, regression):
    data, explainer = regression
    view.overview._clicked(view.overview.scatter, {"data": {"index": 7}})
    assert view.wait(60) and view.error == ""
    assert view.sample_index == 7 and list(view.overview.scatter.selected) == [7]
    samples = explainer.predict_uncertainty(data.x_test, n_samples=20, seed=SEED).samples[:, 7, 0].numpy()
    assert view.distribution.counts.sum() == 20
    counts, _ = np.histogram(samples.astype(np.float64), bins=view.distribution.edges)
    np.testing.assert_array_equal(view.distribution.counts, counts)
    point = data.x_test[7:8]
    output = explainer.attribute(point, "integrated_gradients").values[0].numpy()
    std = explainer.attribute(point, "integrated_gradients", of=xw.UncertaintyOf("std", 20, SEED)).values[0].numpy()
    np.testing.assert_allclose(view.output_bars.values, output, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(view.uncertainty_bars.values, std, rtol=1e-4, atol=1e-6)
    assert "σ" in view.uncertainty_bars.figure.title


def test_the_slider_recomputes_and_the_estimate_settles(view, regression):
    data, explainer = regression
    view.slider.value = 60
    assert view.wait(60) and view.error == ""
    assert view.n_samples == 60 and view.uncertainty.n_samples == 60
    assert view.kernel_calls["predict_uncertainty"] == 2
    expected = explainer.predict_uncertainty(data.x_test, n_samples=60, seed=SEED)
    np.testing.assert_allclose(view.overview.scatter.x, expected.std[:, 0].numpy(), rtol=1e-5)
    # The settling curve runs over 2..60 samples and ends at the full estimate.
    x, y = np.asarray(view.settling.lines.x), np.asarray(view.settling.lines.y)
    assert x[0, 0] == 2 and x[0, -1] == 60
    samples = expected.samples[:, view.sample_index, 0].numpy().astype(np.float64)
    assert y[1, -1] == pytest.approx(samples.std(ddof=1), rel=1e-4)


def test_errors_leave_the_view_working(view, regression):
    data, explainer = regression
    view.sample_index = 999
    assert "out of range" in view.error and view.sample_index == 0
    view.n_samples = 1
    assert "n_samples" in view.error and view.n_samples == 20
    view.method = "ensemble"  # the model is no Ensemble: the kernel says what to do
    assert view.wait(60)
    assert view.status == "error" and "Ensemble" in view.error
    view.method = "mc_dropout"
    assert view.wait(60) and view.status == "idle" and view.error == ""
    with pytest.raises(xw.ExplainerError, match="y has"):
        xw.UncertaintyView(explainer, data.x_test, data.y_test[:3])
    with pytest.raises(xw.ExplainerError, match="method"):
        xw.UncertaintyView(explainer, data.x_test, data.y_test, method="bootstrap")


def test_an_ensemble_uses_its_members_and_disables_the_slider(regression):
    data, _ = regression
    explainer = xw.Explainer(train_mlp_ensemble(data, n_members=3, steps=200))
    view = xw.UncertaintyView(explainer, data.x_test, data.y_test, method="ensemble")
    try:
        assert view.wait(60) and view.error == ""
        assert view.slider.disabled and view.uncertainty.n_samples == 3
        expected = explainer.predict_uncertainty(data.x_test, method="ensemble")
        np.testing.assert_allclose(view.overview.scatter.x, expected.std[:, 0].numpy(), rtol=1e-5)
        assert view.distribution.counts.sum() == 3
    finally:
        view.close()


def test_a_classifier_shows_the_reliability_diagram_with_its_ece():
    shapes = make_shapes(24, seed=3)
    explainer = xw.Explainer(load_dropout_shapes_model())
    view = xw.UncertaintyView(
        explainer,
        shapes.images,
        shapes.labels,
        n_samples=8,
        class_names=shapes.class_names,
        attribution_method="gradient",
    )
    try:
        assert view.wait(120) and view.error == ""
        expected = explainer.predict_uncertainty(shapes.images, n_samples=8, seed=SEED)
        ece = float(xw.performance.expected_calibration_error(expected.mean, shapes.labels, n_bins=10))
        assert view.ece == pytest.approx(ece, abs=1e-6)
        assert f"ECE = {ece:.3f}" in view.reliability.figure.title
        np.testing.assert_allclose(view.overview.scatter.x, expected.entropy.numpy(), rtol=1e-4, atol=1e-6)
        assert view.output_bars.values.shape == (64, 64) and view.uncertainty_bars.values.shape == (64, 64)
        assert "entropy" in view.uncertainty_bars.figure.title
    finally:
        view.close()
