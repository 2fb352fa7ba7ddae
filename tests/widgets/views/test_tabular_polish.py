"""Issue 10, defects 9 and 5 in Python: sorted, value-labelled bars, the waterfall from E[f(x)] to
f(x), original units, and tick labels that never repeat."""

import numpy as np
import pytest
import torch

import xai_widgets as xw
from xai_widgets.kernel import ExplainerError
from xai_widgets.widgets.charts.axes import nice_ticks
from xai_widgets.widgets.charts.tabular_charts import FeatureBars
from xai_widgets.widgets.views.feature_sweep_panel import SweepPanel
from xai_widgets.widgets.views.tabular_explorer import TabularExplorer
from xai_widgets.widgets.views.weights_view import WeightsView
from xai_widgets.zoo import load_tabular, train_tabular_mlp


@pytest.fixture(scope="module")
def diabetes():
    data = load_tabular("diabetes")
    return data, xw.Explainer(train_tabular_mlp(data, epochs=60))


@pytest.fixture
def explorer(diabetes):
    data, explainer = diabetes
    view = TabularExplorer(
        explainer,
        data.X,
        data.y,
        data.feature_names,
        feature_means=data.feature_means,
        feature_scales=data.feature_scales,
    )
    assert view.wait(60) and view.error == "", view.error
    yield view
    view.close()


def test_the_data_set_carries_its_means_and_scales():
    data = load_tabular("diabetes")
    raw = data.X * data.feature_scales + data.feature_means
    age = data.feature_names.index("age")
    assert float(raw[:, age].min()) >= 18 and float(raw[:, age].max()) <= 80  # years
    assert data.X.mean(0).abs().max() < 1e-5  # the model still gets standardised columns


def d3_general(value: float) -> str:
    """What the axes' "~g" format (d3: 6 significant digits, trailing zeros trimmed) prints."""
    return format(value, ".6g")


@pytest.mark.parametrize(
    "low, high", [(0.5, 0.65), (0.55, 0.62), (-0.013, 0.4), (0.0, 1.0), (-3.0, 250.0), (0.6, 0.6), (1e-5, 3e-5)]
)
def test_nice_ticks_never_repeat_a_label_and_cover_the_range(low, high):
    values = nice_ticks(low, high)
    labels = [d3_general(v) for v in values]
    assert len(labels) == len(set(labels)) >= 2, labels
    assert values[0] <= low + 1e-12 and values[-1] >= high - 1e-12


def test_bars_are_sorted_by_absolute_value_and_labelled_with_values():
    bars = FeatureBars("t", ["a", "b", "c"], "xw-test")
    bars.show(np.array([0.1, -0.5, 0.3]), feature_values=np.array([1.0, 31.25, 2.0]))
    assert list(bars.bars.x) == ["b = 31.25", "c = 2", "a = 1"]
    np.testing.assert_allclose(bars.bars.y, [-0.5, 0.3, 0.1])
    np.testing.assert_allclose(bars.values, [0.1, -0.5, 0.3])  # feature order kept
    assert list(bars.name_scale.domain) == ["a = 1", "c = 2", "b = 31.25"]  # drawn bottom-up: b on top
    labels = [d3_general(v) for v in bars.value_axis.tick_values]
    assert len(labels) == len(set(labels))


def test_explorer_bars_show_original_units_sorted(explorer, diabetes):
    data, _ = diabetes
    raw = (explorer.sweep.point()[0] * data.feature_scales + data.feature_means).numpy()
    for method in explorer.enabled_methods:
        values = explorer.results()[method]
        order = np.argsort(-np.abs(values), kind="stable")
        bars = explorer.bars[method]
        assert [label.split(" = ")[0] for label in bars.bars.x] == [data.feature_names[i] for i in order]
        shown = [float(label.split(" = ")[1]) for label in bars.bars.x]
        np.testing.assert_allclose(shown, raw[order], rtol=1e-3)
        np.testing.assert_allclose(bars.bars.y, values[order], rtol=1e-6)


def test_waterfall_runs_from_the_mean_output_to_f_x(explorer, diabetes):
    data, explainer = diabetes
    state = explorer.waterfall_state
    point = explorer.sweep.point()
    f_x = float(explainer.outputs(point)[0, 0])
    assert state["method"] == "integrated_gradients"  # the first enabled method with completeness
    assert state["base_value"] == pytest.approx(float(explainer.outputs(data.X)[:, 0].double().mean()), abs=1e-6)
    rows = state["rows"]
    assert rows[0][1] == pytest.approx(state["base_value"]) and rows[-1][2] == pytest.approx(f_x, abs=1e-6)
    assert all(a[2] == pytest.approx(b[1]) for a, b in zip(rows, rows[1:], strict=False))
    result = explainer.attribute(point, "integrated_gradients", target=0)
    reference = f_x - float(result.values.sum()) + float(result.delta[0])
    assert state["reference_output"] == pytest.approx(reference, abs=1e-4)
    assert state["residual"] == pytest.approx(-float(result.delta[0]), abs=1e-4)
    assert "f(x) - f(reference)" in explorer.waterfall_caption.value

    explorer.waterfall_method = "gradient"  # no completeness: one grey row, what the sum leaves out
    assert explorer.wait(60)
    state = explorer.waterfall_state
    assert state["reference_output"] is None
    assert state["residual"] == pytest.approx(f_x - state["base_value"] - state["attribution_sum"], abs=1e-5)
    assert "not meant to sum" in explorer.waterfall_caption.value


def test_sweep_axis_in_original_units(diabetes):
    data, explainer = diabetes
    bmi = data.feature_names.index("bmi")
    panel = SweepPanel(
        explainer,
        data.X,
        data.feature_names,
        method=None,
        feature_means=data.feature_means,
        feature_scales=data.feature_scales,
    )
    panel.feature_index = bmi
    assert panel.wait(60)
    raw = data.X[:, bmi] * data.feature_scales[bmi] + data.feature_means[bmi]
    assert float(panel.chart.x_scale.min) == pytest.approx(float(raw.min()), rel=1e-3)
    assert float(panel.chart.cursor.x[0]) == pytest.approx(float(raw[0]), rel=1e-4)
    assert panel.chart.x_axis.label == "bmi (original units)" and "bmi = " in panel.label.value
    panel.close()
    with pytest.raises(ExplainerError, match="one entry per feature"):
        SweepPanel(explainer, data.X, feature_means=np.zeros(3), method=None)
    with pytest.raises(ExplainerError, match="not both"):
        SweepPanel(explainer, data.X, feature_means=data.feature_means, to_original=lambda r: r, method=None)


def test_weights_view_draws_horizontal_bars_with_unique_ticks():
    linear = torch.nn.Linear(4, 1)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[0.52, -0.61, 0.58, 0.55]]))
    view = WeightsView(linear, ["age", "sex", "bmi", "s6"])
    assert view.bars.orientation == "horizontal"
    labels = [d3_general(v) for v in view.value_axis.tick_values]
    assert len(labels) == len(set(labels)), labels
    assert view.figure.fig_margin["left"] >= 40
    view.close()
