"""ImageExplorer in Python: set traits as a user's clicks would and check the result traits."""

import threading
import time

import numpy as np
import pytest
import torch
from traitlets import TraitError

import xai_widgets as xw
from xai_widgets.widgets.base.wire import from_wire, to_display_uint8
from xai_widgets.zoo import load_shapes_model, make_shapes


@pytest.fixture(scope="module")
def data():
    return make_shapes(6, seed=21)


@pytest.fixture(scope="module")
def explainer():
    return xw.Explainer(load_shapes_model())


@pytest.fixture
def explorer(explainer, data):
    view = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names, masks=data.masks)
    assert view.wait(120)
    yield view
    view.worker.close()


def panel_values(view, method):
    panel = view.canvas.panels[method]
    assert isinstance(panel["values"]["data"], bytes) and panel["values"]["dtype"] == "float16"
    return from_wire(panel["values"]).astype(np.float32)


def test_opens_with_a_panel_per_default_method_and_the_gallery(explorer, explainer, data):
    canvas = explorer.canvas
    assert canvas.enabled_methods == ["saliency", "integrated_gradients", "grad_cam"]
    assert set(canvas.panels) == set(canvas.enabled_methods)
    assert all(panel["status"] == "idle" for panel in canvas.panels.values())
    assert canvas.samples["shape"] == [6, 64, 64, 3] and len(canvas.samples["data"]) == 6 * 64 * 64 * 3
    predicted = explainer.predict(data.images).argmax(1)
    for label, true, p in zip(canvas.sample_labels, data.labels.tolist(), predicted.tolist(), strict=True):
        assert label["true"] == data.class_names[true] and label["predicted"] == data.class_names[p]
        assert label["correct"] == (true == p)
    expected = explainer.attribute(data.images[:1], "saliency").values[0].numpy()
    np.testing.assert_allclose(panel_values(explorer, "saliency"), expected, rtol=2e-3, atol=2e-3 * expected.max())
    assert canvas.image["shape"] == [64, 64, 3] and canvas.mask["shape"] == [64, 64]


def test_a_burst_of_sample_clicks_ends_in_the_last_state_with_few_kernel_calls(explorer, explainer, data):
    explorer.kernel_calls.clear()
    for i in range(20):
        explorer.canvas.sample_index = (i * 5) % 6
    assert explorer.wait(120)
    last = (19 * 5) % 6
    assert explorer.canvas.sample_index == last
    assert all(calls <= 3 for calls in explorer.kernel_calls.values()), explorer.kernel_calls
    expected = explainer.attribute(data.images[last : last + 1], "grad_cam").values[0].numpy()
    np.testing.assert_allclose(panel_values(explorer, "grad_cam"), expected, rtol=2e-3, atol=2e-3 * expected.max())
    shown = from_wire(explorer.canvas.image)
    assert np.array_equal(shown, to_display_uint8(data.images[last]))


def test_a_slider_drag_recomputes_only_that_method_for_the_last_value(explorer, explainer, data):
    explorer.kernel_calls.clear()
    for n_steps in range(2, 22):
        explorer.set_params("integrated_gradients", n_steps=n_steps)
    assert explorer.wait(120)
    assert 1 <= explorer.kernel_calls["integrated_gradients"] <= 3
    assert "saliency" not in explorer.kernel_calls and "grad_cam" not in explorer.kernel_calls
    expected = explainer.attribute(data.images[:1], "integrated_gradients", n_steps=21)
    np.testing.assert_allclose(
        panel_values(explorer, "integrated_gradients"),
        expected.values[0].numpy(),
        rtol=2e-3,
        atol=2e-3 * expected.values.abs().max().item(),
    )
    assert explorer.canvas.panels["integrated_gradients"]["delta"] == pytest.approx(expected.delta[0].item(), abs=1e-4)


def test_clicking_a_prediction_bar_makes_that_class_the_target(explorer, explainer, data):
    before = panel_values(explorer, "saliency")
    bars = explorer.prediction_chart.bars
    second = list(bars.x)[1]
    # What bqplot's front end sends when a bar is clicked.
    bars._handle_custom_msg({"event": "element_click", "data": {"index": 1}}, [])
    assert explorer.wait(120)
    target = data.class_names.index(second)
    assert explorer.canvas.target == target
    assert explorer.canvas.target_label.startswith(second)
    assert all(panel["target"] == target for panel in explorer.canvas.panels.values())
    after = panel_values(explorer, "saliency")
    assert not np.allclose(before, after)
    np.testing.assert_allclose(
        after,
        explainer.attribute(data.images[:1], "saliency", target=target).values[0].numpy(),
        rtol=2e-3,
        atol=2e-3 * after.max(),
    )


def test_clicking_a_pixel_fills_the_pixel_charts_without_recomputing_panels(explorer):
    explorer.kernel_calls.clear()
    explorer.canvas.clicked_pixel = [30, 12]
    assert explorer.wait(60)
    assert set(explorer.kernel_calls) <= {"gradient (per class)"}
    chart = explorer.method_chart.bars
    assert list(chart.x) == explorer.canvas.enabled_methods
    for name, value in zip(chart.x, chart.y, strict=True):  # each method relative to its own map
        summed = explorer.results()[name].sum(0)
        expected = float(summed[30, 12] / summed.abs().max())
        assert value == pytest.approx(expected, rel=1e-5, abs=1e-7)
    assert len(explorer.class_chart.bars.y) == len(explorer.class_names)


def test_toggling_a_method_adds_and_removes_its_panel(explorer):
    explorer.chips["occlusion"].value = True
    assert explorer.wait(120)
    assert "occlusion" in explorer.canvas.enabled_methods and explorer.canvas.panels["occlusion"]["status"] == "idle"
    assert explorer.method_controls["occlusion"] in explorer._controls_box.children
    explorer.chips["occlusion"].value = False
    assert explorer.wait(120)
    assert "occlusion" not in explorer.canvas.enabled_methods and "occlusion" not in explorer.canvas.panels


def test_edits_change_the_prediction_and_reset_restores_it(explorer, data):
    original_label = explorer.canvas.target_label
    original_image = explorer.canvas.image
    explorer.canvas.edits = [{"tool": "rectangle", "rect": [0, 0, 63, 63]}]
    assert explorer.wait(120)
    assert explorer.canvas.image != original_image
    assert explorer.canvas.target_label != original_label
    explorer.canvas.edits = [{"tool": "paint", "points": [[10, 10], [10, 40]], "radius": 3, "color": [1, 0, 0]}]
    assert explorer.wait(120)
    shown = from_wire(explorer.canvas.image)
    assert tuple(shown[10, 25]) == (255, 0, 0)
    explorer.reset_edits()
    assert explorer.wait(120)
    assert explorer.canvas.image == original_image and explorer.canvas.target_label == original_label


def test_a_failing_method_shows_its_error_and_the_view_keeps_working(data):
    # A model without convolutions: grad_cam cannot run, the other methods can.
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 64 * 64, 4))
    view = xw.ImageExplorer(xw.Explainer(model), data.images[:2], methods=["saliency", "grad_cam"])
    try:
        assert view.wait(60)
        assert view.canvas.panels["grad_cam"]["status"] == "error"
        assert "Conv" in view.canvas.panels["grad_cam"]["error"]
        assert view.canvas.status == "error" and "grad_cam" in view.canvas.error
        assert view.canvas.panels["saliency"]["status"] == "idle"
        view.canvas.sample_index = 1
        view.chips["grad_cam"].value = False
        assert view.wait(60)
        assert view.canvas.status == "idle" and view.canvas.error == ""
        assert set(view.canvas.panels) == {"saliency"}
    finally:
        view.worker.close()


def test_bad_arguments_are_explained(explainer, data):
    with pytest.raises(xw.ExplainerError, match="N, C, H, W"):
        xw.ImageExplorer(explainer, data.images[0])
    with pytest.raises(xw.ExplainerError, match="unknown method"):
        xw.ImageExplorer(explainer, data.images, methods=["salience"])


def test_out_of_range_sample_is_refused_and_kept(explorer):
    explorer.canvas.sample_index = 2
    with pytest.raises(TraitError, match="out of range"):
        explorer.canvas.sample_index = 99
    assert explorer.canvas.sample_index == 2


def test_explore_binds_and_opens_in_one_line(data):
    view = xw.explore(load_shapes_model(), data.images[:2], methods=["gradient"])
    try:
        assert view.wait(60) and set(view.canvas.panels) == {"gradient"}
    finally:
        view.worker.close()


def test_prediction_bars_and_their_axis_follow_the_probabilities(explorer):
    explorer.canvas.sample_index = 1
    assert explorer.wait(60)
    bars = explorer.prediction_chart.bars
    assert list(bars.scales["x"].domain) == list(bars.x)
    assert list(bars.y) == sorted(bars.y, reverse=True)


def test_a_slow_method_does_not_hold_back_the_fast_ones(explainer, data):
    view = xw.ImageExplorer(explainer, data.images, methods=["saliency", "occlusion"])
    try:
        assert view.wait(120)
        view.set_params("occlusion", window=4, stride=2)  # slow enough to be seen finishing last
        assert view.wait(120)
        order = []
        view.canvas.observe(
            lambda change: order.extend(
                name
                for name, panel in change["new"].items()
                if panel.get("status") == "idle" and change["old"].get(name, {}).get("values") != panel.get("values")
            ),
            names="panels",
        )
        view.canvas.sample_index = 3
        assert view.wait(120)
        assert order[0] == "saliency" and "occlusion" in order[1:], order
    finally:
        view.worker.close()


def test_close_stops_the_worker_and_the_widgets(explainer, data):
    view = xw.ImageExplorer(explainer, data.images[:2], methods=["gradient"])
    assert view.wait(60)
    view.close()
    assert not view.worker._thread.is_alive()
    assert view.canvas.comm is None


def test_cancel_stops_a_slow_panel_which_says_so_and_the_view_keeps_working():
    class SlowLinear(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(3 * 8 * 8, 2)

        def forward(self, x):
            time.sleep(0.05)
            return self.linear(x.flatten(1))

    model = SlowLinear()
    forwards = []
    model.register_forward_hook(lambda *_args: forwards.append(1))
    explainer = xw.Explainer(model, memory_budget=1)  # one occlusion window per pass
    view = xw.ImageExplorer(explainer, torch.rand(2, 3, 8, 8), methods=["gradient"])
    progress = threading.Event()
    view.observe(lambda change: progress.set() if 0.0 < change["new"] < 1.0 else None, names="progress")
    try:
        assert view.wait(60) and not view.status_bar.visible  # the fast path shows no bar
        view.canvas.enabled_methods = ["gradient", "occlusion"]
        assert progress.wait(60) and view.status_bar.visible
        at_cancel = len(forwards)
        view.cancel()
        assert view.wait(60)
        assert len(forwards) <= at_cancel + 1
        assert (
            view.canvas.panels["occlusion"]["error"] == "cancelled" and "values" not in view.canvas.panels["occlusion"]
        )
        assert view.canvas.panels["gradient"]["status"] == "idle"
        assert view.status == "idle" and "cancelled" in view.status_bar.label.value
        view.canvas.sample_index = 1
        assert view.wait(60) and view.canvas.status == "idle"
        assert {view.canvas.panels[name]["status"] for name in ("gradient", "occlusion")} == {"idle"}
        assert view.kernel_calls["occlusion"] == 2 and not view.status_bar.visible
    finally:
        view.close()
