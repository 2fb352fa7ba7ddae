"""ImageExplorer targets, gallery bounds and the per-method pixel chart (issue 10: #1, #3, #10)."""

import numpy as np
import pytest
import torch
from traitlets import TraitError

import xai_widgets as xw
from xai_widgets.widgets.base.wire import from_wire
from xai_widgets.zoo import load_shapes_model, make_shapes


@pytest.fixture(scope="module")
def data():
    return make_shapes(6, seed=21)


@pytest.fixture(scope="module")
def explainer():
    return xw.Explainer(load_shapes_model())


@pytest.fixture
def explorer(explainer, data):
    view = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names, methods=["saliency", "grad_cam"])
    assert view.wait(120)
    yield view
    view.worker.close()


def saliency(view):
    return from_wire(view.canvas.panels["saliency"]["values"]).astype(np.float32)


def test_the_menu_lists_predicted_first_then_every_class_with_its_probability(explorer, explainer, data):
    p = explainer.predict(data.images[:1])[0]
    predicted = int(p.argmax())
    labels, values = zip(*explorer.target_menu.options, strict=True)
    assert values == (-1, *range(len(data.class_names)))
    assert labels[0] == f"predicted ({data.class_names[predicted]}, p={p[predicted]:.2f})"
    for index, name in enumerate(data.class_names):
        shown = "p<0.01" if p[index] < 0.005 else f"p={p[index]:.2f}"
        assert labels[1 + index] == f"{name}  {shown}"
    assert explorer.target_menu.value == -1 and explorer.canvas.target == -1
    assert "(predicted, p=" in explorer.canvas.target_label


def test_a_near_zero_class_from_the_menu_is_explained_and_the_header_says_chosen(explorer, explainer, data):
    p = explainer.predict(data.images[:1])[0]
    least = int(p.argmin())
    assert p[least] < 0.05, "the test wants a class the bars cannot show"
    explorer.target_menu.value = least  # what the browser's select does
    assert explorer.wait(120)
    assert explorer.canvas.target == least
    assert all(panel["target"] == least for panel in explorer.canvas.panels.values())
    expected = explainer.attribute(data.images[:1], "saliency", target=least).values[0].numpy()
    np.testing.assert_allclose(saliency(explorer), expected, rtol=2e-3, atol=2e-3 * np.abs(expected).max())
    assert explorer.canvas.target_label.startswith(f"{data.class_names[least]} (chosen, p")
    explorer.target_menu.value = -1  # back to "predicted"
    assert explorer.wait(120)
    assert explorer.canvas.target == -1 and "(predicted, p=" in explorer.canvas.target_label


def test_the_menu_follows_the_target_set_elsewhere_and_keeps_it_through_edits(explorer, data):
    explorer.canvas.target = 2
    assert explorer.target_menu.value == 2
    explorer.canvas.edits = [{"tool": "rectangle", "rect": [0, 0, 10, 10]}]
    assert explorer.wait(120)
    assert explorer.canvas.target == 2 and explorer.target_menu.value == 2, "relabelling must keep the choice"
    assert explorer.canvas.target_label.startswith(f"{data.class_names[2]} (chosen")
    explorer.canvas.target = 17  # a class this model does not have (say from a linked view)
    assert explorer.wait(120)
    assert explorer.target_menu.value == -1 and explorer.canvas.target == 17
    assert "(predicted, p=" in explorer.canvas.target_label, "the header must not say chosen for the predicted class"


def test_a_new_sample_goes_back_to_predicted(explorer, data):
    explorer.target_menu.value = 1
    assert explorer.wait(120) and explorer.canvas.target == 1
    explorer.canvas.sample_index = 3
    assert explorer.wait(120)
    assert explorer.canvas.target == -1 and explorer.target_menu.value == -1
    assert explorer.target_menu.label.startswith("predicted (")
    assert "(predicted, p=" in explorer.canvas.target_label
    assert {panel["target"] for panel in explorer.canvas.panels.values()} == {explorer.prediction_chart._classes[0]}


def test_a_click_in_an_empty_column_of_the_prediction_chart_picks_that_class(explorer):
    chart = explorer.prediction_chart
    last = len(chart._classes) - 1
    chart.columns._handle_custom_msg({"event": "element_click", "data": {"index": last}}, [])
    assert explorer.wait(120)
    assert explorer.canvas.target == chart._classes[last] and explorer.target_menu.value == explorer.canvas.target


def test_an_out_of_range_sample_raises_and_never_reaches_the_view(explorer):
    seen = []
    explorer.canvas.observe(seen.append, names="sample_index")
    for bad in (99, 6, -1):
        with pytest.raises(TraitError, match=rf"sample_index {bad} is out of range 0\.\.5"):
            explorer.canvas.sample_index = bad
    with pytest.raises(TraitError, match="out of range"):
        explorer.sample_index = 99
    assert explorer.canvas.sample_index == 0 and seen == [], "an out-of-range value was set"
    explorer.canvas.sample_index = 5  # the last one is fine
    assert explorer.wait(120) and explorer.canvas.status == "idle"
    assert "n_samples" not in explorer.canvas.get_state(), "the bound is Python's, not a synced trait"


def test_the_per_method_pixel_chart_is_relative_to_each_map_and_names_the_pixel(explainer, data):
    view = xw.ImageExplorer(explainer, data.images[:2], methods=["saliency", "occlusion"])
    try:
        assert view.wait(120)
        view.canvas.clicked_pixel = [22, 15]
        assert view.wait(120)
        chart = view.method_chart
        assert chart.figure.title == "Pixel (row 22, col 15), per method"
        scale = chart.bars.scales["y"]
        assert (scale.min, scale.max) == (-1.0, 1.0)
        assert chart.figure.axes[1].label == "value / max |map|"
        assert list(chart.bars.x) == ["saliency", "occlusion"]
        for name, value in zip(chart.bars.x, chart.bars.y, strict=True):
            summed = view.results()[name].sum(0)
            assert -1.0 <= value <= 1.0
            assert value == pytest.approx(float(summed[22, 15] / summed.abs().max()), rel=1e-5, abs=1e-7)
        view.canvas.clicked_pixel = [40, 41]
        assert view.wait(120) and chart.figure.title == "Pixel (row 40, col 41), per method"
    finally:
        view.worker.close()


def test_a_zero_map_shows_zero_not_nan(data):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 64 * 64, 3))
    torch.nn.init.zeros_(model[1].weight)
    view = xw.ImageExplorer(xw.Explainer(model), data.images[:1], methods=["gradient"])
    try:
        view.canvas.clicked_pixel = [1, 2]
        assert view.wait(60)
        assert list(view.method_chart.bars.y) == [0.0]
    finally:
        view.worker.close()
