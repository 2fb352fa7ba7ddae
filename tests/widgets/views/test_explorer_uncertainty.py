"""Error bars in the explorers' prediction charts: the mean and ±1 std of the kernel's
predict_uncertainty (30 MC dropout samples from seed 0, or an ensemble's members), computed once
per input in the view's job, stable across repaints; none, and no extra kernel call, for a model
without dropout; a clear error when asked for on a model that cannot."""

import numpy as np
import pytest
import torch

import xai_widgets as xw
from xai_widgets.widgets.views.prediction_spread import N_SAMPLES, SEED
from xai_widgets.zoo import (
    load_dropout_shapes_model,
    load_shapes_model,
    make_noisy_regression,
    make_shapes,
    train_dropout_mlp,
    train_mlp_ensemble,
)


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(4, seed=3)


@pytest.fixture(scope="module")
def regression():
    return make_noisy_regression(n_train=200, n_test=30, seed=2)


def shown_bars(chart) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Labels, heights and, when visible, the (k, 2) error-bar ends of a PredictionChart."""
    ends = np.asarray(chart.error_bars.y, dtype=np.float64).reshape(-1, 2) if chart.error_bars.visible else None
    return list(chart.bars.x), np.asarray(chart.bars.y, dtype=np.float64), ends


def expected_ends(mean: np.ndarray, std: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.stack([np.maximum(mean - std, low), np.minimum(mean + std, high)], 1)


def test_image_explorer_bars_are_the_mc_mean_with_one_std_error_bars(shapes):
    explainer = xw.Explainer(load_dropout_shapes_model())
    view = xw.ImageExplorer(explainer, shapes.images, shapes.labels, shapes.class_names, methods=["saliency"])
    try:
        assert view.wait(120) and view.error == "" and view.uncertainty == "mc_dropout"
        expected = explainer.predict_uncertainty(shapes.images[:1], n_samples=N_SAMPLES, seed=SEED)
        mean, std = expected.mean[0].double().numpy(), expected.std[0].double().numpy()
        labels, heights, ends = shown_bars(view.prediction_chart)
        classes = [shapes.class_names.index(label) for label in labels]
        np.testing.assert_allclose(heights, mean[classes], rtol=1e-5, atol=1e-7)
        assert ends is not None and list(np.asarray(view.prediction_chart.error_bars.x).reshape(-1, 2)[:, 0]) == labels
        np.testing.assert_allclose(ends, expected_ends(mean[classes], std[classes], 0.0, 1.0), rtol=1e-5, atol=1e-7)
        assert std.max() > 1e-3, "the dropout CNN shows no spread at all"
        assert "mean ± 1 std" in view.prediction_chart.figure.title
        assert (
            "30 MC dropout samples" in view.prediction_chart.key.value
            and "lines: ±1 std" in view.prediction_chart.key.value
        )
        assert view.kernel_calls["predict_uncertainty"] == 1

        # A click on a bar still picks its class; the spread is not recomputed for the same image.
        view.prediction_chart._clicked(view.prediction_chart.bars, {"data": {"index": 1}})
        assert view.wait(120) and view.target == classes[1]
        assert view.kernel_calls["predict_uncertainty"] == 1
        # Another sample and back: the same numbers (fixed seed), one call per image shown.
        view.sample_index = 2
        assert view.wait(120)
        view.sample_index = 0
        assert view.wait(120) and view.kernel_calls["predict_uncertainty"] == 3
        again = shown_bars(view.prediction_chart)
        np.testing.assert_array_equal(again[2], ends)
    finally:
        view.close()


def test_a_model_without_dropout_draws_plain_bars_and_pays_no_extra_call(shapes):
    explainer = xw.Explainer(load_shapes_model())
    view = xw.ImageExplorer(explainer, shapes.images, shapes.labels, shapes.class_names, methods=["saliency"])
    try:
        assert view.wait(120) and view.uncertainty is None
        _labels, heights, ends = shown_bars(view.prediction_chart)
        assert ends is None and view.prediction_chart.key.layout.display == "none"
        assert "predict_uncertainty" not in view.kernel_calls
        np.testing.assert_allclose(heights.max(), explainer.predict(shapes.images[:1]).max().item(), rtol=1e-6)
        assert view.prediction_chart.figure.title == "Prediction (click a bar)"
    finally:
        view.close()
    with pytest.raises(xw.ExplainerError, match="add dropout"):
        xw.ImageExplorer(explainer, shapes.images, uncertainty="mc_dropout")
    with pytest.raises(xw.ExplainerError, match="xw.Ensemble"):
        xw.ImageExplorer(explainer, shapes.images, uncertainty="ensemble")
    with pytest.raises(xw.ExplainerError, match="uncertainty must be one of"):
        xw.ImageExplorer(explainer, shapes.images, uncertainty="bayes")


def test_uncertainty_none_turns_the_error_bars_off(shapes):
    view = xw.ImageExplorer(
        xw.Explainer(load_dropout_shapes_model()), shapes.images, methods=["saliency"], uncertainty=None
    )
    try:
        assert view.wait(120) and not view.prediction_chart.error_bars.visible
        assert "predict_uncertainty" not in view.kernel_calls
    finally:
        view.close()


def test_tabular_explorer_shows_the_ensemble_members_spread(regression):
    ensemble = train_mlp_ensemble(regression, n_members=3, steps=150)
    explainer = xw.Explainer(ensemble)
    view = xw.TabularExplorer(
        explainer, regression.x_test, regression.y_test, feature_names=["x"], methods=["gradient"]
    )
    try:
        assert view.wait(60) and view.error == "" and view.uncertainty == "ensemble"
        expected = explainer.predict_uncertainty(regression.x_test[:1], "ensemble")
        labels, heights, ends = shown_bars(view.prediction_chart)
        assert labels == ["prediction"]
        np.testing.assert_allclose(heights, expected.mean[0].numpy(), rtol=1e-5)
        mean, std = expected.mean[0].double().numpy(), expected.std[0].double().numpy()
        np.testing.assert_allclose(ends, expected_ends(mean, std, -np.inf, np.inf), rtol=1e-5)
        assert "3 ensemble members" in view.prediction_chart.key.value
        # The value axis holds the whole error bar.
        scale = view.prediction_chart.bars.scales["y"]
        assert scale.min <= ends.min() and ends.max() <= scale.max
        # Another row: the chart follows it.
        view.sample_index = 5
        assert view.wait(60)
        np.testing.assert_allclose(
            view.prediction_chart.bars.y, explainer.predict_uncertainty(regression.x_test[5:6], "ensemble").mean[0]
        )
    finally:
        view.close()


def test_tabular_explorer_mc_dropout_and_plain(regression):
    model = train_dropout_mlp(regression, steps=150)
    view = xw.TabularExplorer(xw.Explainer(model), regression.x_test, feature_names=["x"], methods=["gradient"])
    try:
        assert view.wait(60) and view.uncertainty == "mc_dropout"
        expected = xw.Explainer(model).predict_uncertainty(regression.x_test[:1], n_samples=N_SAMPLES, seed=SEED)
        np.testing.assert_allclose(view.prediction_chart.bars.y, expected.mean[0].numpy(), rtol=1e-5)
        assert view.spread is not None and view.spread.std == pytest.approx(expected.std[0].numpy(), rel=1e-5)
    finally:
        view.close()
    plain = xw.TabularExplorer(
        xw.Explainer(model), regression.x_test, feature_names=["x"], methods=["gradient"], uncertainty=False
    )
    try:
        assert plain.wait(60) and not plain.prediction_chart.error_bars.visible
        expected_value = xw.Explainer(model).predict(regression.x_test[:1])[0].numpy()
        np.testing.assert_allclose(plain.prediction_chart.bars.y, expected_value, rtol=1e-6)
        assert "predict_uncertainty" not in plain.kernel_calls
    finally:
        plain.close()


def test_tabular_classifier_bars_pick_the_target():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(8, 3))
    X = torch.randn(20, 3)
    view = xw.TabularExplorer(xw.Explainer(model), X, class_names=["a", "b", "c"], methods=["gradient"])
    try:
        assert view.wait(60) and view.uncertainty == "mc_dropout"
        labels = list(view.prediction_chart.bars.x)
        assert sorted(labels) == ["a", "b", "c"] and view.prediction_chart.error_bars.visible
        view.prediction_chart._clicked(view.prediction_chart.bars, {"data": {"index": 2}})
        assert view.wait(60) and view.target == ["a", "b", "c"].index(labels[2])
        assert "gradient (class" in view.bars["gradient"].figure.title
    finally:
        view.close()
