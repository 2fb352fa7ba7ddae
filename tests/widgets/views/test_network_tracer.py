"""NetworkTracer: the layers' columns show the selected input's activations; a click on a tile or
a bar fills the unit's panels with the kernel's numbers; bad units show an error and the view
keeps working; the model is unchanged; the selected sample links with the ImageExplorer."""

import numpy as np
import pytest
import torch

import xai_widgets as xw
from xai_widgets.widgets.base.wire import from_wire
from xai_widgets.widgets.views.network_tracer import _mosaic, _tile_channel
from xai_widgets.zoo import load_shapes_model, make_shapes

LAYERS = ["features.relu1", "features.relu2", "features.relu3", "features.relu4", "classifier"]


@pytest.fixture(scope="module")
def shapes():
    data = make_shapes(5, seed=3)
    return data, xw.Explainer(load_shapes_model())


@pytest.fixture
def tracer(shapes):
    data, explainer = shapes
    view = xw.NetworkTracer(explainer, data.images, class_names=data.class_names, sample_index=2)
    assert view.wait(120)
    yield view
    view.close()


def click_tile(view, layer, channel, row_in_tile=1, column_in_tile=1):
    """Click a cell inside ``channel``'s tile of ``layer``'s mosaic, as the browser writes it."""
    channels, height, width = view.shapes[layer]
    columns = int(np.ceil(np.sqrt(channels)))
    row = (channel // columns) * (height + 1) + row_in_tile
    column = (channel % columns) * (width + 1) + column_in_tile
    view.columns[layer].clicked_pixel = [row, column]


def test_columns_show_each_layers_activations(tracer, shapes):
    data, explainer = shapes
    assert tracer.layers == LAYERS and tracer.status == "idle" and tracer.error == ""
    truth = xw.layer_activations(explainer, data.images[2:3], LAYERS)
    mosaic = from_wire(tracer.columns["features.relu3"].attribution)
    np.testing.assert_allclose(mosaic, _mosaic(truth["features.relu3"][0].numpy()), rtol=1e-2, atol=1e-2)
    np.testing.assert_allclose(tracer.columns["classifier"].bars.y, truth["classifier"][0].numpy(), rtol=1e-6)
    assert "predicted" in tracer.prediction.value
    # No unit selected yet: the panels wait for a click, and say so.
    assert from_wire(tracer.input_map.attribution).size == 0
    assert "click a unit" in tracer.output_chart.note.value and not tracer.output_chart.showing


def test_mosaic_cells_map_back_to_their_channel():
    shape = (10, 3, 4)  # 4 tiles per row
    mosaic = _mosaic(np.arange(10, dtype=np.float32)[:, None, None] * np.ones(shape))
    for row in range(mosaic.shape[0]):
        for column in range(mosaic.shape[1]):
            channel = _tile_channel(shape, row, column)
            if channel is not None:
                assert mosaic[row, column] == channel
    assert _tile_channel(shape, 3, 0) is None  # the line between tile rows
    assert _tile_channel(shape, 8, 12) is None  # past the last channel


def test_a_tile_click_fills_the_panels_with_the_kernels_numbers(tracer, shapes):
    data, explainer = shapes
    x = data.images[2:3]
    layer = "features.relu2"
    activations = xw.layer_activations(explainer, x, layer)[layer][0]
    channel = int(activations.flatten(1).amax(1).argmax())  # an active channel
    click_tile(tracer, layer, channel)
    assert tracer.wait(120) and tracer.error == "", tracer.error
    position = np.unravel_index(int(activations[channel].argmax()), activations.shape[1:])
    unit = (channel, *(int(p) for p in position))
    assert tracer.layer == layer and tuple(tracer.unit) == unit  # the channel's unit at its maximum

    expected = xw.neuron_attribution(explainer, x, layer, unit, "gradient").values[0].numpy()
    shown = from_wire(tracer.input_map.attribution).astype(np.float32)
    np.testing.assert_allclose(shown, expected, rtol=1e-2, atol=1e-3 * np.abs(expected).max())
    assert from_wire(tracer.input_map.image).shape == (3, 64, 64)

    kernels = xw.layer_weights(explainer.model, "features.conv2")[channel]  # (16, 3, 3)
    heat = np.asarray(tracer.weights_chart.heatmap.color)  # 16 kernels, 4 per row, zeros between
    assert heat.shape == (15, 15) and (heat[3] == 0).all()
    np.testing.assert_allclose(heat[:3, :3], kernels[0], rtol=1e-6)
    np.testing.assert_allclose(heat[:3, 4:7], kernels[1], rtol=1e-6)
    np.testing.assert_allclose(heat[4:7, :3], kernels[4], rtol=1e-6)

    to_output = xw.neuron_contributions(explainer, x, layer, unit).values[0].numpy()
    bars = np.asarray(tracer.output_chart.bars.y)
    np.testing.assert_allclose(bars[0], to_output, rtol=1e-5, atol=1e-7)
    n = len(data.class_names)
    conductance = xw.layer_attribution(
        explainer, x.expand(n, -1, -1, -1), layer, "conductance", torch.arange(n), n_steps=16
    ).values[(slice(None), *unit)]
    np.testing.assert_allclose(bars[1], conductance.numpy(), rtol=1e-4, atol=1e-6)
    assert list(tracer.output_chart.bars.x) == list(data.class_names)

    to_next = xw.neuron_contributions(explainer, x, layer, unit, "features.relu3").values[0]
    np.testing.assert_allclose(tracer.next_chart.bars.y, to_next.flatten(1).sum(1).numpy(), rtol=1e-4, atol=1e-6)

    chart = tracer.activation_chart
    assert len(chart.curve.x) > 0 and np.asarray(chart.histogram.y).sum() == activations.numel()
    np.testing.assert_allclose(chart.curve.y, np.maximum(chart.curve.x, 0.0), atol=1e-6)  # a ReLU
    before = xw.layer_activations(explainer, x, "features.bn2")["features.bn2"][0][unit]
    assert chart.unit_line.x[0] == pytest.approx(float(before), rel=1e-5)
    assert "features.relu2" in tracer.unit_label.value
    assert all(chart.showing for chart in (tracer.weights_chart, tracer.output_chart, chart))


def test_a_bar_click_traces_a_dense_unit_and_the_method_switches(tracer, shapes):
    data, explainer = shapes
    bars = tracer.columns["classifier"].bars
    bars._handle_custom_msgs(None, {"event": "element_click", "data": {"index": 1}})
    assert tracer.wait(120) and tracer.error == ""
    assert tracer.layer == "classifier" and tracer.unit == [1]
    assert bars.colors[1] != bars.colors[0]  # the selected bar is highlighted
    row = xw.layer_weights(explainer.model, "classifier")[1]
    np.testing.assert_allclose(tracer.weights_chart.bars.y, row, rtol=1e-6)
    assert "last layer" in tracer.next_chart.note.value and not tracer.next_chart.showing
    assert "no activation" in tracer.activation_chart.note.value
    tracer.method = "integrated_gradients"
    assert tracer.wait(120) and tracer.error == ""
    expected = xw.neuron_attribution(explainer, data.images[2:3], "classifier", 1, "integrated_gradients")
    shown = from_wire(tracer.input_map.attribution).astype(np.float32)
    np.testing.assert_allclose(shown, expected.values[0].numpy(), atol=2e-3 * expected.values.abs().max().item())
    assert "integrated_gradients" in tracer.input_map.title
    # Its ParamSpecs' controls show, and changing one recomputes with it.
    steps = tracer.param_controls["integrated_gradients"]["n_steps"]
    assert steps in tracer.param_box.children
    steps.value = 8
    assert tracer.wait(120) and tracer.error == ""
    expected = xw.neuron_attribution(explainer, data.images[2:3], "classifier", 1, "integrated_gradients", n_steps=8)
    shown = from_wire(tracer.input_map.attribution).astype(np.float32)
    np.testing.assert_allclose(shown, expected.values[0].numpy(), atol=2e-3 * expected.values.abs().max().item())


def test_conductance_steps_are_a_control(tracer, shapes):
    data, explainer = shapes
    x, layer, n = data.images[2:3], "features.relu3", len(data.class_names)
    tracer.steps_control.value = 4  # as a user types it
    assert tracer.conductance_steps == 4
    click_tile(tracer, layer, 0)
    assert tracer.wait(120) and tracer.error == "", tracer.error
    unit = tuple(tracer.unit)

    def conductance(n_steps):
        values = xw.layer_attribution(
            explainer, x.expand(n, -1, -1, -1), layer, "conductance", torch.arange(n), n_steps=n_steps
        ).values
        return values[(slice(None), *unit)].numpy()

    np.testing.assert_allclose(tracer.output_chart.bars.y[1], conductance(4), rtol=1e-4, atol=1e-6)
    calls = tracer.kernel_calls["conductance"]
    tracer.conductance_steps = 32
    assert tracer.wait(120) and tracer.error == ""
    assert tracer.steps_control.value == 32 and tracer.kernel_calls["conductance"] == calls + 1
    np.testing.assert_allclose(tracer.output_chart.bars.y[1], conductance(32), rtol=1e-4, atol=1e-6)
    with pytest.raises(xw.ExplainerError, match="conductance_steps"):
        xw.NetworkTracer(explainer, data.images[:1], conductance_steps=0)


def test_a_bad_unit_is_an_error_in_the_view_which_keeps_working(tracer):
    tracer.layer, tracer.unit = "features.relu4", [999, 0, 0]
    assert tracer.wait(60) and tracer.status == "error" and "outside" in tracer.error
    click_tile(tracer, "features.relu4", 3)
    assert tracer.wait(60) and tracer.status == "idle" and tracer.error == ""


def test_unknown_layers_raise_and_the_model_is_unchanged(shapes):
    data, explainer = shapes
    model = explainer.model
    before = {name: value.clone() for name, value in model.state_dict().items()}
    with pytest.raises(xw.ExplainerError, match="no layer named"):
        xw.NetworkTracer(explainer, data.images, layers=["features.nope"])
    view = xw.NetworkTracer(explainer, data.images, layers=["features.conv1", "features.pool3", "classifier"])
    try:
        assert view.wait(120)
        click_tile(view, "features.pool3", 7)
        assert view.wait(120) and view.error == ""
        assert view.weights_chart.figure.title.endswith("(features.conv3)")
        assert view.activation_chart.figure.title.startswith("features.relu4")  # the next activation
    finally:
        view.close()
    after = model.state_dict()
    assert all(torch.equal(before[name], after[name]) for name in before)
    assert not model.training
    assert all(not m._forward_hooks and not m._backward_hooks for m in model.modules())


def test_the_selected_sample_links_with_the_image_explorer(shapes):
    data, explainer = shapes
    tracer = xw.NetworkTracer(explainer, data.images, class_names=data.class_names)
    explorer = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names, methods=["saliency"])
    try:
        xw.link_samples(explorer, tracer)
        explorer.canvas.sample_index = 4  # a click in the explorer's gallery
        assert tracer.sample_index == 4 and tracer.sample_slider.value == 4
        assert tracer.wait(120) and tracer.error == ""
        truth = xw.layer_activations(explainer, data.images[4:5], "classifier")["classifier"][0]
        np.testing.assert_allclose(tracer.columns["classifier"].bars.y, truth.numpy(), rtol=1e-6)
        tracer.sample_slider.value = 1
        assert explorer.sample_index == 1
        assert explorer.wait(120) and explorer.error == ""
    finally:
        tracer.close()
        explorer.close()


def test_a_tabular_mlp_and_a_single_input():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).eval()
    explainer = xw.Explainer(model)
    x = torch.randn(10, 5)
    view = xw.NetworkTracer(explainer, x)
    try:
        assert view.wait(60) and view.layers == ["1", "2"] and view.error == ""
        assert view.sample_slider.layout.display == ""  # several inputs: the sample slider shows
        view.columns["1"].bars._handle_custom_msgs(None, {"event": "element_click", "data": {"index": 4}})
        assert view.wait(60) and view.error == "" and view.unit == [4]
        chart = view.activation_chart
        np.testing.assert_allclose(chart.curve.y, np.tanh(chart.curve.x), atol=1e-6)
        np.testing.assert_allclose(view.weights_chart.bars.y, model[0].weight[4].detach().numpy(), rtol=1e-6)
        shown = from_wire(view.input_map.attribution)
        assert shown.shape == (1, 5)  # a row of cells, one per feature
    finally:
        view.close()
    single = xw.NetworkTracer(explainer, x[0])  # one input, no batch dimension
    try:
        assert single.wait(60) and len(single.images) == 1 and single.sample_slider.layout.display == "none"
    finally:
        single.close()


def test_a_burst_of_clicks_shows_the_last_unit(tracer, shapes):
    data, explainer = shapes
    before = tracer.kernel_calls.get("neuron_attribution", 0)
    for channel in range(8):
        click_tile(tracer, "features.relu4", channel)
    assert tracer.wait(120) and tracer.error == ""
    assert tracer.unit[0] == 7 and tracer.kernel_calls["neuron_attribution"] - before <= 8
    expected = xw.neuron_attribution(explainer, data.images[2:3], "features.relu4", tuple(tracer.unit), "gradient")
    shown = from_wire(tracer.input_map.attribution).astype(np.float32)
    np.testing.assert_allclose(shown, expected.values[0].numpy(), atol=1e-3 * expected.values.abs().max().item())
    assert "[7," in tracer.input_map.title
