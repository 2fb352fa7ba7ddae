"""FeatureVisualizer in Python: the image repaints while the ascent runs, pause keeps the result
so far and resume continues it, cancel and reset, a channel objective, the batched class gallery,
regularisers from the controls, errors shown in the view; the model is never changed."""

import time

import numpy as np
import pytest
import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel import ExplainerError
from xai_widgets.widgets.views.feature_visualizer import FeatureVisualizer


def small_cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 3)).eval()


@pytest.fixture
def model():
    return small_cnn()


@pytest.fixture
def view(model):
    v = FeatureVisualizer(xw.Explainer(model), shape=(1, 8, 8), class_names=["a", "b", "c"])
    yield v
    v.close()


def image_of(view):
    return bytes(view.image.image["data"])


def test_a_run_paints_the_image_and_the_objective_curve(view, model):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    view.target.value = 1
    view.steps.value = 40
    view.run()
    assert view.wait(60)
    assert view.error == "" and view.state == "done" and view.steps_done == 40
    assert view.result.units == [1] and view.result.steps_done == 40
    assert len(view.lines.x) == 40 and list(view.lines.labels) == ["b"]
    np.testing.assert_allclose(np.asarray(view.lines.y).ravel(), view.result.scores[:, 0].numpy(), rtol=1e-6)
    assert view.image.image["shape"] == [1, 8, 8] and view.image.title.startswith("b")
    # The ascent raised the class score.
    assert view.result.scores[-1, 0] > view.result.scores[0, 0]
    assert view.figure.title and view.figure.axes[0].label and view.figure.axes[1].label
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()) and not model.training


def test_the_image_changes_while_the_ascent_runs_and_pause_keeps_the_result(view):
    view.steps.value = 100_000
    seen = set()
    view.run()
    deadline = time.time() + 30
    while len(seen) < 3 and time.time() < deadline:
        if view.image.image["shape"] != [0]:
            seen.add(image_of(view))
        time.sleep(0.05)
    assert len(seen) >= 3, "the image did not repaint during the run"
    assert view.state == "running"
    view.pause()
    assert view.wait(30)
    assert view.state == "paused" and view.result.cancelled and 0 < view.result.steps_done < 100_000
    done, shown = view.result.steps_done, image_of(view)
    time.sleep(0.3)
    assert image_of(view) == shown  # pause stopped it
    assert not view.buttons["Resume"].disabled and view.buttons["Pause"].disabled
    view.steps.value = 10
    view.resume()
    assert view.wait(30)
    assert view.state == "done" and view.result.steps_done == done + 10 and len(view.lines.x) == done + 10


def test_cancel_stops_and_reset_clears(view):
    view.steps.value = 100_000
    view.run()
    deadline = time.time() + 30
    while view.steps_done == 0 and time.time() < deadline:
        time.sleep(0.05)
    view.cancel()
    assert view.wait(30)
    assert view.state == "paused" and view.status == "idle" and view.error == ""
    view.reset()
    assert view.result is None and view.state == "idle" and len(view.lines.x) == 0
    assert view.image.image["shape"] == [0]


def test_channel_objective_and_the_class_gallery(view):
    view.kind.value = "channel"
    assert view.layer.options[0] == "0" and len(view.channel.options) == 4
    view.channel.value = 2
    view.steps.value = 15
    view.run()
    assert view.wait(60) and view.error == ""
    assert view.result.objective == "channel" and view.result.units == [2]
    assert "channel" in view.y_axis.label and list(view.lines.labels) == ["0 channel 2"]
    view.run_gallery()
    assert view.wait(60) and view.error == ""
    assert view.gallery_result.units == [0, 1, 2] and view.kernel_calls["activation_maximization"] == 2
    assert [tile.title for tile in view.gallery.children] == ["a", "b", "c"]
    assert all(tile.image["shape"] == [1, 8, 8] for tile in view.gallery.children)
    assert list(view.lines.labels) == ["a", "b", "c"]


def test_neuron_objective_from_a_channel_and_a_position(view):
    view.kind.value = "neuron"
    view.layer.value = "0"  # the conv: (4, 8, 8) per sample
    shown = [c.layout.display != "none" for c in view.position]
    assert shown == [True, True] and [c.max for c in view.position] == [7, 7]
    assert view.channel.layout.display != "none" and view.target.layout.display == "none"
    view.channel.value = 3
    view.position[0].value, view.position[1].value = 2, 5
    assert view.neuron() == (3, 2, 5)
    view.steps.value = 15
    view.run()
    assert view.wait(60) and view.error == ""
    assert view.result.objective == "neuron" and view.result.units == [(3, 2, 5)]
    assert list(view.lines.labels) == ["0 neuron (3, 2, 5)"] and "neuron" in view.y_axis.label
    assert view.result.scores[-1, 0] > view.result.scores[0, 0]
    # A layer without spatial dims: the neuron is its unit, no position to choose.
    view.layer.value = "3"
    assert all(c.layout.display == "none" for c in view.position) and view.neuron() == (view.channel.value,)
    view.kind.value = "class"
    assert all(c.layout.display == "none" for c in view.position)


def test_regularisers_come_from_the_controls(view):
    assert set(view.regularizers()) == {"l2", "tv", "jitter"}
    view.regularizer_params["l2"]["weight"].value = 0.5
    for name, box in view.regularizer_boxes.items():
        box.value = name == "l2"
    assert view.regularizers() == {"l2": {"weight": 0.5}}
    view.steps.value = 5
    view.run()
    assert view.wait(30) and [r.name for r in view.result.regularizers] == ["l2"]
    assert view.result.regularizers[0].params["weight"] == 0.5


def test_a_kernel_error_is_shown_and_the_view_keeps_working(view):
    # A resume before any run says what to do instead of failing.
    view.resume()
    assert "press Run" in view.message.value
    # A negative strength typed into a text box: the kernel's message is shown in the view.
    view.regularizer_params["tv"]["weight"].value = -1.0
    view.steps.value = 3
    view.run()
    assert view.wait(30)
    assert view.status == "error" and "weight" in view.error and view.state == "idle"
    assert not view.buttons["Run"].disabled
    view.regularizer_params["tv"]["weight"].value = 0.05
    view.run()
    assert view.wait(30) and view.error == "" and view.status == "idle" and view.state == "done"


def test_bad_arguments_raise_clear_errors(model):
    with pytest.raises(ExplainerError, match="shape="):
        FeatureVisualizer(xw.Explainer(model))
    with pytest.raises(ExplainerError, match="class_names"):
        FeatureVisualizer(xw.Explainer(model), shape=(1, 8, 8), class_names=["a"])


def test_exported():
    assert xw.FeatureVisualizer is FeatureVisualizer
