"""TabularExplorer and SweepPanel in Python: set traits as a user's clicks and drags would and
check the bars, curves, kernel-call counts and the error path."""

import numpy as np
import pytest

import xai_widgets as xw
from xai_widgets import kernel as sweeps
from xai_widgets.widgets.views.feature_sweep_panel import SweepPanel
from xai_widgets.widgets.views.tabular_explorer import TabularExplorer
from xai_widgets.zoo import load_tabular, train_tabular_mlp


@pytest.fixture(scope="module")
def diabetes():
    data = load_tabular("diabetes")
    return data, xw.Explainer(train_tabular_mlp(data, epochs=60))


@pytest.fixture(scope="module")
def wine():
    data = load_tabular("wine")
    return data, xw.Explainer(train_tabular_mlp(data, epochs=60))


@pytest.fixture
def explorer(diabetes):
    data, explainer = diabetes
    view = TabularExplorer(explainer, data.X, data.y, data.feature_names)
    assert view.wait(60)
    yield view
    view.close()


def expected(explainer, point, method, target=0, **params):
    return explainer.attribute(point, method, target=target, **params).values[0].numpy()


def test_opens_with_bars_per_default_method_curves_and_the_global_view(explorer, diabetes):
    data, explainer = diabetes
    assert explorer.enabled_methods == ["gradient", "grad_x_input", "integrated_gradients"]
    assert explorer.status == "idle" and explorer.error == ""
    assert list(explorer._bars_box.children) == [explorer.bars[m].figure for m in explorer.enabled_methods]
    for method in explorer.enabled_methods:
        np.testing.assert_allclose(
            explorer.bars[method].values, expected(explainer, data.X[:1], method), rtol=1e-4, atol=1e-6
        )
    # The scatter: truth against prediction for a regression with y; the first sample selected.
    assert (explorer.x_column, explorer.y_column) == ("truth", "prediction")
    np.testing.assert_allclose(explorer.data_scatter.scatter.y, explainer.predict(data.X)[:, 0].numpy(), rtol=1e-5)
    assert list(explorer.data_scatter.scatter.selected) == [0]
    # Curves of the sweep, for feature 0 of sample 0.
    grid = sweeps.feature_grid(data.X, 0)
    np.testing.assert_allclose(explorer.sweep.curves["ice"], sweeps.ice(explainer, data.X[0], 0, grid, 0), rtol=1e-5)
    assert explorer.sweep.slider.min == pytest.approx(float(grid[0])) and explorer.sweep.slider.max == pytest.approx(
        float(grid[-1])
    )
    assert explorer.sweep.value == pytest.approx(float(data.X[0, 0]))
    # Global view: the first method over the whole data set, once.
    result = explorer.global_result()
    full = explainer.attribute(data.X, "gradient", target=0).values
    np.testing.assert_allclose(result.values.numpy(), full.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(explorer.global_bars.values, full.abs().mean(0).numpy(), rtol=1e-4)
    assert len(explorer.summary.scatter.x) == 10 * len(data.X)
    assert explorer.kernel_calls["global:gradient"] == 1


def test_selecting_a_sample_updates_bars_sweep_and_scatter(explorer, diabetes):
    data, explainer = diabetes
    explorer.sample_index = 17
    assert explorer.wait(60)
    assert explorer.sweep.sample_index == 17 and list(explorer.data_scatter.scatter.selected) == [17]
    assert explorer.sweep.value == pytest.approx(float(data.X[17, 0]))
    for method in explorer.enabled_methods:
        np.testing.assert_allclose(
            explorer.results()[method], expected(explainer, data.X[17:18], method), rtol=1e-4, atol=1e-6
        )
    np.testing.assert_allclose(
        explorer.sweep.curves["ice"], sweeps.ice(explainer, data.X[17], 0, sweeps.feature_grid(data.X, 0), 0), rtol=1e-5
    )


def test_clicking_a_point_selects_its_sample(explorer):
    # What bqplot's front end sends when a point is clicked.
    explorer.data_scatter.scatter._handle_custom_msg({"event": "element_click", "data": {"index": 42}}, [])
    assert explorer.wait(60)
    assert explorer.sample_index == 42 and explorer.sweep.sample_index == 42


def test_slider_values_give_bars_equal_to_the_attribution_at_that_point(explorer, diabetes):
    data, explainer = diabetes
    explorer.sweep.feature_index = 2  # bmi
    assert explorer.wait(60)
    for value in (-1.5, 0.3, 2.0):
        explorer.sweep.slider.value = value
        assert explorer.wait(60)
        assert explorer.sweep.value == pytest.approx(value)
        point = data.X[:1].clone()
        point[0, 2] = value
        for method in explorer.enabled_methods:
            np.testing.assert_allclose(
                explorer.bars[method].values, expected(explainer, point, method), rtol=1e-4, atol=1e-6
            )
        assert list(explorer.sweep.chart.cursor.x) == pytest.approx([value, value])


def test_a_burst_of_slider_moves_coalesces_and_curves_are_not_recomputed(explorer, diabetes):
    data, explainer = diabetes
    assert explorer.wait(60)
    explorer.kernel_calls.clear()
    explorer.sweep.kernel_calls.clear()
    values = np.linspace(-1.0, 1.0, 40)
    for value in values:
        explorer.sweep.value = float(value)
    assert explorer.wait(60)
    assert explorer.sweep.kernel_calls == {}, "curves are computed once per (sample, feature), not per move"
    assert all(1 <= calls < 20 for calls in explorer.kernel_calls.values()), explorer.kernel_calls
    point = data.X[:1].clone()
    point[0, 0] = float(values[-1])
    np.testing.assert_allclose(
        explorer.results()["grad_x_input"], expected(explainer, point, "grad_x_input"), rtol=1e-4, atol=1e-6
    )


def test_chips_turn_methods_and_their_bars_on_and_off(explorer, diabetes):
    data, explainer = diabetes
    explorer.chips["saliency"].value = True
    assert explorer.wait(60)
    assert "saliency" in explorer.enabled_methods and explorer.bars["saliency"].figure in explorer._bars_box.children
    assert explorer.method_controls["saliency"] in explorer._controls_box.children
    np.testing.assert_allclose(explorer.results()["saliency"], expected(explainer, data.X[:1], "saliency"), rtol=1e-4)
    explorer.chips["integrated_gradients"].value = False
    assert explorer.wait(60)
    assert "integrated_gradients" not in explorer.enabled_methods and "integrated_gradients" not in explorer.results()
    assert explorer.bars["integrated_gradients"].figure not in explorer._bars_box.children
    assert "grad_cam" not in explorer.chips  # no convolution in a tabular model


def test_params_recompute_that_method_and_the_global_view(explorer, diabetes):
    data, explainer = diabetes
    explorer.global_method = "integrated_gradients"
    assert explorer.wait(60)
    explorer.kernel_calls.clear()
    explorer.set_params("integrated_gradients", n_steps=8)
    assert explorer.wait(60)
    assert set(explorer.kernel_calls) == {"integrated_gradients", "global:integrated_gradients"}
    np.testing.assert_allclose(
        explorer.results()["integrated_gradients"],
        expected(explainer, data.X[:1], "integrated_gradients", n_steps=8),
        rtol=1e-4,
        atol=1e-6,
    )
    full = explainer.attribute(data.X, "integrated_gradients", target=0, n_steps=8).values
    np.testing.assert_allclose(explorer.global_result().values.numpy(), full.numpy(), rtol=1e-4, atol=1e-6)


def test_a_failing_method_shows_its_error_and_the_view_keeps_working(wine):
    data, explainer = wine
    view = TabularExplorer(
        explainer, data.X, data.y, data.feature_names, data.class_names, methods=["gradient", "grad_cam"]
    )
    try:
        assert view.wait(60)
        assert view.status == "error" and "grad_cam" in view.error and "Conv" in view.error
        assert "error" in view.bars["grad_cam"].figure.title
        assert "xw-tabular-error" in view.status_label.value
        view.sample_index = 5
        assert view.wait(60)
        predicted = int(explainer.predict(data.X[5:6]).argmax())
        np.testing.assert_allclose(
            view.results()["gradient"], expected(explainer, data.X[5:6], "gradient", predicted), rtol=1e-4
        )
        view.chips["grad_cam"].value = False
        assert view.wait(60)
        assert view.status == "idle" and view.error == ""
        view.target = 2
        assert view.wait(60)
        np.testing.assert_allclose(
            view.results()["gradient"], expected(explainer, data.X[5:6], "gradient", 2), rtol=1e-4
        )
        assert view.sweep.resolved_target() == 2
        view.sample_index = 10_000
        assert view.sample_index == 5 and "out of range" in view.error
    finally:
        view.close()


def test_bad_input_raises_an_explainer_error(diabetes):
    data, explainer = diabetes
    with pytest.raises(xw.ExplainerError, match="N, F"):
        TabularExplorer(explainer, data.X[0])
    bad = data.X.clone()
    bad[3, 1] = float("nan")
    with pytest.raises(xw.ExplainerError, match="NaN"):
        TabularExplorer(explainer, bad)
    with pytest.raises(xw.ExplainerError, match="unknown method"):
        TabularExplorer(explainer, data.X, methods=["nope"])


def test_sweep_panel_standalone_shows_curves_and_bars_at_the_cursor(diabetes):
    data, explainer = diabetes
    panel = SweepPanel(explainer, data.X, data.feature_names, sample_index=3, method="grad_x_input")
    try:
        panel.feature_index = 2
        assert panel.wait(60)
        assert panel.dropdown.value == 2 and panel.value == pytest.approx(float(data.X[3, 2]))
        grid = sweeps.feature_grid(data.X, 2)
        np.testing.assert_allclose(
            panel.curves["partial_dependence"],
            sweeps.partial_dependence(explainer, data.X, 2, grid, 0),
            rtol=1e-5,
            atol=1e-6,
        )
        np.testing.assert_allclose(
            panel.curves["sensitivity"], sweeps.sensitivity(explainer, data.X[3], 2, grid, 0), rtol=1e-5
        )
        np.testing.assert_allclose(panel.chart.ice.y, panel.curves["ice"])
        panel.slider.value = 1.25
        assert panel.wait(60)
        point = data.X[3:4].clone()
        point[0, 2] = 1.25
        np.testing.assert_allclose(panel.bars.values, expected(explainer, point, "grad_x_input"), rtol=1e-4, atol=1e-6)
        assert panel.chart.dot.y[0] == pytest.approx(np.interp(1.25, grid.numpy(), panel.curves["ice"]), rel=1e-5)
    finally:
        panel.close()
