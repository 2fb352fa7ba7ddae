"""ImageSweepExplorer in Python: pick a sweep and drag its slider as a user would, then check the
chart and the heatmap against the kernel, the coalescing of a drag and the error path."""

import numpy as np
import pytest
import torch

from xai_widgets.kernel import Explainer, ig_path, perturb, perturbation_sweep, sweep_amounts
from xai_widgets.widgets.base.wire import from_wire
from xai_widgets.widgets.views.image_sweep_explorer import ImageSweepExplorer
from xai_widgets.zoo import load_shapes_model, make_shapes


@pytest.fixture(scope="module")
def data():
    return make_shapes(4, seed=5)


@pytest.fixture(scope="module")
def explainer():
    return Explainer(load_shapes_model())


@pytest.fixture
def view(explainer, data):
    sweep = ImageSweepExplorer(explainer, data.images, data.class_names)
    assert sweep.wait(120)
    yield sweep
    sweep.close()


def shown(view):
    heatmap = view.heatmap
    image = from_wire(heatmap.image).astype(np.float32)
    values = from_wire(heatmap.attribution).astype(np.float32)
    return image, values


def assert_close_f16(actual, expected):
    expected = np.asarray(expected, dtype=np.float32)
    np.testing.assert_allclose(actual, expected, rtol=2e-3, atol=2e-3 * max(np.abs(expected).max(), 1e-6))


def test_opens_on_brightness_with_the_kernels_curve_and_heatmap(view, explainer, data):
    image = data.images[:1]
    assert view.kind == "brightness" and view.amount == 0.0 and view.status == "idle" and view.error == ""
    value_range = (float(data.images.min()), float(data.images.max()))
    amounts = sweep_amounts("brightness", image, 41)
    expected = perturbation_sweep(explainer, image, "brightness", amounts, value_range=value_range)
    np.testing.assert_allclose(view.chart.curve.x, amounts.numpy(), atol=1e-6)
    np.testing.assert_allclose(view.chart.curve.y, expected.probabilities[0].numpy(), rtol=1e-5, atol=1e-6)
    predicted = int(expected.target[0])
    assert view.chart.y_axis.label == f"p({data.class_names[predicted]})"
    assert not view.chart.running_sum.visible and list(view.chart.cursor.x) == [0.0, 0.0]
    shown_image, shown_values = shown(view)
    assert_close_f16(shown_image, image[0].numpy())
    assert_close_f16(shown_values, explainer.attribute(image, "saliency", target=predicted).values[0].numpy())
    assert view.heatmap.colormap == "inferno"


@pytest.mark.parametrize("kind, amount", [("noise", 0.2), ("blur", 3.0), ("occluder", 10.0), ("brightness", -0.4)])
def test_choosing_a_kind_and_moving_the_slider_shows_the_kernels_perturbation(view, explainer, data, kind, amount):
    view.kind_picker.value = kind
    assert view.slider.value == (1.0 if kind == "ig_path" else 0.0)
    view.slider.value = amount
    assert view.wait(120) and view.status == "idle", view.error
    assert view.amount == pytest.approx(amount) and list(view.chart.cursor.x) == [pytest.approx(amount)] * 2
    options = view.options[kind]
    image = data.images[:1]
    amounts = sweep_amounts(kind, image, 41, **options)
    expected = perturbation_sweep(explainer, image, kind, amounts, **options)
    np.testing.assert_allclose(view.chart.curve.x, amounts.numpy(), atol=1e-6)
    np.testing.assert_allclose(view.chart.curve.y, expected.probabilities[0].numpy(), rtol=1e-5, atol=1e-6)
    perturbed = perturb(image, kind, amount, **options)
    target = int(expected.target[0])
    shown_image, shown_values = shown(view)
    assert_close_f16(shown_image, perturbed[0].clamp(0, 1).numpy())
    assert_close_f16(shown_values, explainer.attribute(perturbed, "saliency", target=target).values[0].numpy())


def test_the_ig_path_shows_integrand_running_sum_and_the_output_difference(view, explainer, data):
    view.kind = "ig_path"
    assert view.wait(120) and view.status == "idle", view.error
    assert view.amount == 1.0
    path = ig_path(explainer, data.images[:1], n_steps=32)
    chart = view.chart
    assert chart.running_sum.visible and chart.reference.visible
    np.testing.assert_allclose(chart.curve.x, path.alphas.numpy(), atol=1e-7)
    np.testing.assert_allclose(chart.curve.y, path.integrand.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(chart.running_sum.y, path.running_sum.numpy(), rtol=1e-4, atol=1e-6)
    assert list(chart.reference.y) == [pytest.approx(path.output_difference, abs=1e-5)] * 2
    ig = explainer.attribute(
        data.images[:1], "integrated_gradients", target=path.target, n_steps=32, rule="riemann_trapezoid"
    )
    # Completeness made visible: the running sum lands on the dashed line within IG's delta.
    assert abs(chart.running_sum.y[-1] - chart.reference.y[0]) <= abs(float(ig.delta[0])) + 1e-4
    assert_close_f16(shown(view)[1], ig.values[0].numpy())
    view.slider.value = 0.5
    assert view.wait(60)
    shown_image, shown_values = shown(view)
    assert_close_f16(shown_values, path.attribution_at(0.5).numpy())
    assert_close_f16(shown_image, path.point_at(0.5).numpy())
    assert view.heatmap.colormap == "RdBu_r"


def test_a_drag_coalesces_and_curves_are_computed_once_per_image_and_kind(view, explainer, data):
    view.kind = "blur"
    assert view.wait(120)
    view.kernel_calls.clear()
    for step in range(40):
        view.slider.value = step * 0.1
    assert view.wait(120) and view.status == "idle"
    assert "blur" not in view.kernel_calls  # the curve did not move with the slider
    assert 1 <= view.kernel_calls["attribution"] <= 3, view.kernel_calls
    assert view.amount == pytest.approx(3.9)
    perturbed = perturb(data.images[:1], "blur", 3.9)
    target = int(view.curves.target[0])
    assert_close_f16(shown(view)[1], explainer.attribute(perturbed, "saliency", target=target).values[0].numpy())
    view.sample_picker.value = 2
    assert view.wait(120)
    assert view.kernel_calls["blur"] == 1
    assert_close_f16(shown(view)[0], perturb(data.images[2:3], "blur", 3.9)[0].numpy())


def test_errors_are_shown_and_the_view_keeps_working(data):
    # No convolution: grad_cam cannot run, saliency can.
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 64 * 64, 4))
    view = ImageSweepExplorer(Explainer(model), data.images[:2], method="grad_cam")
    try:
        assert view.wait(60)
        assert view.status == "error" and "Conv" in view.error and view.heatmap.status == "error"
        assert "error" in view.status_label.value
        assert len(view.chart.curve.y) == 41  # the curve needs no attribution and still shows
        view.method = "saliency"
        assert view.wait(60) and view.status == "idle" and view.error == ""
        view.kind = "occluder"
        view.amount = 2.5  # not a raster position
        assert view.wait(60) and view.status == "error" and "whole number" in view.error
        view.amount = 3
        assert view.wait(60) and view.status == "idle"
        view.sample_index = 7
        assert view.sample_index == 0 and "out of range" in view.error
    finally:
        view.close()


def test_unknown_method_is_refused(explainer, data):
    with pytest.raises(Exception, match="unknown method"):
        ImageSweepExplorer(explainer, data.images, method="nope")


def test_after_the_ig_path_a_perturbation_shows_only_its_curves_on_a_probability_axis(view, data):
    view.kind = "ig_path"
    assert view.wait(120)
    chart = view.chart
    assert chart.key_entries() == ["integrand ∇F·(x − x0)", "running sum", "F(x) − F(x0)", "slider amount"]
    # The axis fits the path's values, ending on round ticks (issue 10, defect 5; was None, None).
    low, high = chart._y_extent
    assert chart.y_scale.min <= low and chart.y_scale.max >= high
    assert list(chart.y_axis.tick_values)[:: len(chart.y_axis.tick_values) - 1] == [
        chart.y_scale.min,
        chart.y_scale.max,
    ]
    assert (view.heatmap.colormap, view.heatmap.sign) == ("RdBu_r", "all")
    assert "integrated gradients" in view.heatmap_title.value and "α" in view.heatmap_title.value
    view.kind = "brightness"
    assert view.wait(120)
    predicted = data.class_names[int(view.curves.target[0])]
    assert chart.key_entries() == [f"p({predicted})", "slider amount"]
    assert "running sum" not in chart.key.value and "F(x)" not in chart.key.value
    assert not any(mark.display_legend for mark in chart.figure.marks)  # no legend inside the plot
    assert (chart.y_scale.min, chart.y_scale.max) == (0.0, 1.0) and list(chart.cursor.y) == [0.0, 1.0]
    # saliency is unsigned: a sequential map shown as magnitudes (labels 0 .. max, no -/+)
    assert (view.heatmap.colormap, view.heatmap.sign) == ("inferno", "absolute")
    title = view.heatmap_title.value
    assert "saliency" in title and predicted in title and "brightness" in title and "unsigned" in title
