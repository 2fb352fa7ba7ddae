"""NetworkTracer: CNN Explainer for the user's own model: the layers as columns of activation maps
for the selected input; a click on a unit shows its input attribution, the weights flowing into
it, its contributions to the next layer and to the output, and its layer's activation function."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
import traitlets as t
from torch import nn

from ...kernel import (
    ExplainerError,
    InputError,
    activation_function_curve,
    activation_layer_names,
    layer_activations,
    layer_attribution,
    layer_weight_view,
    neuron_attribution,
    neuron_attribution_methods,
    neuron_contributions,
    preactivation_histogram,
)
from ..base.view import BaseView, Work
from ..base.wire import to_wire
from ..charts.tracer_charts import ActivationChart, ContributionChart, UnitBars, WeightsInChart
from ..controls.param_controls import control_for
from .heatmap_view import HeatmapView
from .units import method_units

# Conductance's path integral by default: few steps, since it is computed per layer for every class
# at once (``conductance_steps`` changes it).
CONDUCTANCE_STEPS = 16
MAX_CONDUCTANCE_STEPS = 1024
COLUMN_SIZE = 176  # px, the longest side of a layer's tile mosaic
CLICK_HINT = "Click a unit (a channel's tile or a bar) in a layer above to trace it."


class NetworkTracer(BaseView):
    """The layers of ``explainer``'s model as columns of activation maps for the selected input
    (conv channels as small tiles, dense layers as bars). Click a unit (a tile: that channel's
    unit at its maximum; a bar: that neuron) to see:

    - its input attribution (``method``: gradient, integrated gradients ...) drawn over the input,
    - the weights flowing into it (the last Conv or Linear layer at or before its layer),
    - its contribution to the next shown layer and to each output (gradient x activation, and
      conductance: the path-integrated contribution, per class),
    - its layer's activation function over this input's pre-activation histogram.

    ``x``: one input or a batch (N, ...); ``sample_index`` picks the input shown and links with the
    explorers (``xw.link_samples``). ``layers``: dotted names of the layers to show (None: every
    activation layer and the output layer). ``conductance_steps``: the steps of the conductance's
    path integral (more: closer to its completeness, slower). Synced traits: ``sample_index``,
    ``layer``, ``unit`` (a full index into the layer's per-sample output; empty: none selected),
    ``method``, ``conductance_steps``.
    """

    sample_index = t.Int(0, min=0).tag(sync=True)
    layer = t.Unicode("").tag(sync=True)
    unit = t.List(t.Int()).tag(sync=True)
    method = t.Unicode("gradient").tag(sync=True)
    conductance_steps = t.Int(CONDUCTANCE_STEPS, min=1, max=MAX_CONDUCTANCE_STEPS).tag(sync=True)

    worker_name = "network-tracer"

    def __init__(
        self,
        explainer: Any,
        x: Any,
        layers: Sequence[str] | None = None,
        class_names: Sequence[str] | None = None,
        sample_index: int = 0,
        method: str = "gradient",
        conductance_steps: int = CONDUCTANCE_STEPS,
    ) -> None:
        self.explainer = explainer
        batch = torch.as_tensor(x).detach()
        self.images, first = _as_batch(explainer, batch)  # first: every leaf's output, in the order they run
        if not 0 <= sample_index < len(self.images):
            raise ExplainerError(f"sample_index {sample_index} is outside the {len(self.images)} inputs given")
        if method not in neuron_attribution_methods():
            raise ExplainerError(f"method must be one of {sorted(neuron_attribution_methods())}, got {method!r}")
        model: nn.Module = explainer.model
        self.order = list(first)
        if layers is None:
            activations = set(activation_layer_names(model))
            self.layers = [name for name in self.order if name in activations]
            if self.order and self.order[-1] not in self.layers:
                self.layers.append(self.order[-1])
            shapes = {name: tuple(first[name].shape[1:]) for name in self.layers}
        else:
            chosen = layer_activations(explainer, self.images[:1], list(layers))  # raises on unknown names
            self.layers = [str(name) for name in chosen]
            shapes = {name: tuple(value.shape[1:]) for name, value in chosen.items()}
        if not self.layers:
            raise ExplainerError("the model has no layers to trace; pass layers=[dotted names]")
        self.shapes = shapes
        n_outputs = first[self.order[-1]].shape[-1] if self.order else 0
        self.class_names = [str(c) for c in class_names] if class_names is not None else None
        self.output_names = self.class_names or [f"class {i}" for i in range(int(n_outputs))]
        self._modules = dict(model.named_modules())
        self._activation_names = activation_layer_names(model)
        if not 1 <= int(conductance_steps) <= MAX_CONDUCTANCE_STEPS:
            raise ExplainerError(
                f"conductance_steps must be between 1 and {MAX_CONDUCTANCE_STEPS}, got {conductance_steps}"
            )
        super().__init__(sample_index=sample_index, method=method, conductance_steps=int(conductance_steps))
        self._activations: dict[str, np.ndarray] = {}
        self._preactivations: dict[str, np.ndarray] = {}
        self._shown_sample = -1
        self._conductance: dict[tuple[int, str, int], np.ndarray] = {}
        self.add_class("xw-network-tracer")
        self._build()
        self.observe(self._on_sample, names="sample_index")
        self.observe(lambda _change: self.refresh(), names=["layer", "unit", "method"])
        self.observe(self._on_param, names="conductance_steps")
        self.refresh()

    # ---- parts ----------------------------------------------------------------------------------
    def _build(self) -> None:
        n = len(self.images)
        self.sample_slider = w.IntSlider(
            value=self.sample_index, min=0, max=max(n - 1, 0), description="sample", layout=w.Layout(width="320px")
        )
        self.sample_slider.layout.display = "" if n > 1 else "none"
        w.link((self.sample_slider, "value"), (self, "sample_index"))
        methods = sorted(neuron_attribution_methods())
        self.method_buttons = w.ToggleButtons(options=methods, value=self.method, description="input attribution")
        self.method_buttons.style.button_width = "170px"
        w.link((self.method_buttons, "value"), (self, "method"))
        # Each method's parameters as controls made from its ParamSpecs; the chosen method's show.
        spatial = max(self.images.shape[2:], default=1)
        self.param_controls = {
            name: {p.name: control_for(p, [], int(spatial)) for p in spec.params}
            for name, spec in neuron_attribution_methods().items()
        }
        for controls in self.param_controls.values():
            for control in controls.values():
                control.observe(self._on_param, names="value")
        self.param_box = w.HBox(layout=w.Layout(flex_flow="row wrap", gap="4px 16px"))
        self._show_params()
        self.observe(lambda _change: self._show_params(), names="method")
        self.prediction = w.HTML()
        self.columns: dict[str, Any] = {}
        boxes = []
        for name in self.layers:
            shape = self.shapes[name]
            if _is_dense(shape):
                chart = UnitBars(f"{name} {list(shape)}", int(np.prod(shape)), self._pick_dense(name), "activation")
                self.columns[name] = chart
                boxes.append(chart.figure)
            else:
                tile = HeatmapView(
                    show_controls=False, title=f"{name} {list(shape)}", units="activation (tiles: channels)",
                    display_size=COLUMN_SIZE, clip_percentile=100.0,
                )  # fmt: skip
                tile.add_class("xw-tracer-column")
                # Room for the colorbar, wider than the tiles, and its end labels.
                tile.layout.margin = "0 36px 0 0"
                tile.observe(self._pick_tile(name), names="clicked_pixel")
                self.columns[name] = tile
                boxes.append(tile)
        self.column_box = w.HBox(boxes, layout=w.Layout(flex_flow="row wrap", align_items="flex-start", gap="8px 28px"))
        self.unit_label = w.HTML(f"<b>{CLICK_HINT}</b>")
        self.input_map = HeatmapView(show_controls=False, title="Input attribution", display_size=COLUMN_SIZE)
        self.input_map.add_class("xw-tracer-input")
        self.weights_chart = WeightsInChart()
        self.next_chart = ContributionChart(
            "Contribution to the next layer", "channel / unit", "contribution (act. units)",
            ["gradient × activation"], "xw-tracer-next",
        )  # fmt: skip
        self.output_chart = ContributionChart(
            "Contribution to the outputs", "output", "contribution (logit units)",
            ["gradient × activation", "conductance"], "xw-tracer-output",
        )  # fmt: skip
        self.steps_control = w.BoundedIntText(
            value=self.conductance_steps,
            min=1,
            max=MAX_CONDUCTANCE_STEPS,
            description="conductance steps",
            tooltip="steps of the conductance's path integral in 'Contribution to the outputs' (more: closer "
            "to its completeness, slower)",
            style={"description_width": "initial"},
            layout=w.Layout(width="190px"),
        )
        self.steps_control.add_class("xw-tracer-conductance-steps")
        w.link((self.steps_control, "value"), (self, "conductance_steps"))
        self.activation_chart = ActivationChart()
        for panel in (self.weights_chart, self.next_chart, self.output_chart, self.activation_chart):
            panel.clear(panel.figure.title, "click a unit in a layer above to trace it")
        panels = w.HBox(
            [
                self.input_map,
                self.weights_chart.widget,
                self.next_chart.widget,
                self.output_chart.widget,
                self.activation_chart.widget,
            ],
            layout=w.Layout(flex_flow="row wrap", align_items="flex-start", gap="8px"),
        )
        self.set_parts(
            [
                w.HBox([self.sample_slider, self.prediction]),
                self.column_box,
                w.HBox(
                    [self.method_buttons, self.param_box, self.steps_control],
                    layout=w.Layout(flex_flow="row wrap", align_items="center", gap="4px 24px"),
                ),
                self.unit_label,
                panels,
            ]
        )

    def _show_params(self) -> None:
        self.param_box.children = list(self.param_controls.get(self.method, {}).values())

    def _on_param(self, _change: dict) -> None:
        if self.layer and self.unit:
            self.refresh()

    def method_params(self) -> dict[str, Any]:
        """The chosen attribution method's parameters, as its controls are set."""
        return {name: control.value for name, control in self.param_controls.get(self.method, {}).items()}

    def _pick_tile(self, name: str):
        def picked(change: dict) -> None:
            pixel = change["new"]
            if len(pixel) != 2 or name not in self._activations:
                return
            channel = _tile_channel(self.shapes[name], int(pixel[0]), int(pixel[1]))
            if channel is None:
                return
            values = self._activations[name][channel]
            position = np.unravel_index(int(np.argmax(values)), values.shape)
            self._select(name, (channel, *(int(p) for p in position)))

        return picked

    def _pick_dense(self, name: str):
        def picked(index: int) -> None:
            shape = self.shapes[name]
            self._select(name, tuple(int(i) for i in np.unravel_index(index, shape)))

        return picked

    def _select(self, name: str, unit: tuple[int, ...]) -> None:
        with self.hold_trait_notifications():
            self.layer, self.unit = name, list(unit)
        for other, column in self.columns.items():
            if other != name and isinstance(column, HeatmapView) and column.clicked_pixel:
                column.clicked_pixel = []

    def _on_sample(self, _change: dict) -> None:
        self.refresh()

    # ---- the job ---------------------------------------------------------------------------------
    def _update(self, work: Work) -> str:
        x = self.images[self.sample_index : self.sample_index + 1]
        if self._shown_sample != self.sample_index:
            self._show_columns(work, x)
        work.check()
        if not self.layer or not self.unit:
            return ""
        if self.layer not in self.shapes:
            return f"layer {self.layer!r} is not one of the traced layers {self.layers}"
        return self._show_unit(work, x, self.layer, tuple(self.unit))

    def _show_columns(self, work: Work, x: torch.Tensor) -> None:
        found = work.call("layer_activations", layer_activations, self.explainer, x)
        missing = [name for name in self.layers if name not in found]
        if missing:
            found.update(work.call("layer_activations", layer_activations, self.explainer, x, missing))
        self._activations = {name: value[0].numpy() for name, value in found.items()}
        for name, column in self.columns.items():
            values = self._activations[name]
            if isinstance(column, UnitBars):
                selected = self._dense_selected(name)
                column.show(values, selected)
            else:
                # After a ReLU or pooling: one-sided colours from 0 to the maximum; else diverging.
                positive = bool(values.min() >= 0)
                column.colormap, column.sign = ("inferno", "positive") if positive else ("RdBu_r", "all")
                column.attribution = to_wire(_mosaic(values), "float16")
        logits = self._activations.get(self.order[-1])
        if logits is not None and logits.ndim == 1 and logits.size == len(self.output_names):
            top = int(np.argmax(logits))
            self.prediction.value = f"predicted: <b>{self.output_names[top]}</b> (logit {logits[top]:.3g})"
        self._shown_sample = self.sample_index

    def _dense_selected(self, name: str) -> int | None:
        if name != self.layer or not self.unit:
            return None
        return int(np.ravel_multi_index(tuple(self.unit), self.shapes[name]))

    def _show_unit(self, work: Work, x: torch.Tensor, layer: str, unit: tuple[int, ...]) -> str:
        shape = self.shapes[layer]
        if len(unit) != len(shape) or any(not 0 <= i < s for i, s in zip(unit, shape, strict=True)):
            return f"unit {list(unit)} is outside layer {layer!r}'s output shape {list(shape)}"
        value = float(self._activations[layer][unit])
        self.unit_label.value = f"<b>{layer}</b> unit {list(unit)}: activation {value:.4g}"
        column = self.columns[layer]
        if isinstance(column, UnitBars):
            column.show(self._activations[layer], self._dense_selected(layer))
        # Input attribution of the unit, over the input.
        result = work.call(
            "neuron_attribution",
            neuron_attribution,
            self.explainer,
            x,
            layer,
            unit,
            self.method,
            **self.method_params(),
        )
        if x.ndim == 4 and x.shape[1] in (1, 3):
            image = x[0].float()
            low, high = float(image.min()), float(image.max())
            self.input_map.image = to_wire(((image - low) / (high - low or 1.0)).numpy(), "float16")
        self.input_map.title = f"{self.method} of {layer} {list(unit)} w.r.t. the input"
        self.input_map.units = method_units(self.method, result.signed)
        values = result.values[0].numpy()
        # A table's row or a sequence's (C, L) is drawn as a strip of cells, one row per channel.
        self.input_map.attribution = to_wire(values if values.ndim >= 2 else values[None, :], "float16")
        work.check()
        self._show_weights(layer, unit)
        work.check()
        self._show_activation(work, x, layer, unit)
        work.check()
        # Last: the conductance pass, the slowest, runs once per (sample, layer) and is cached.
        self._show_contributions(work, x, layer, unit)
        return ""

    def _show_weights(self, layer: str, unit: tuple[int, ...]) -> None:
        source = self._weight_layer(layer)
        if source is None:
            self.weights_chart.clear("Weights into the unit", f"no Conv or Linear layer runs at or before {layer}")
            return
        view = layer_weight_view(self.explainer.model, source)
        row = int(np.flatnonzero(view.row_order == unit[0])[0]) if view.row_order.size > unit[0] else 0
        if view.kind == "tiles" and view.tiles is not None:
            self.weights_chart.show_tiles(f"Weights into channel {unit[0]} ({source})", view.tiles[row])
        else:
            self.weights_chart.show_row(f"Weights into unit {unit[0]} ({source})", view.matrix[row])

    def _show_contributions(self, work: Work, x: torch.Tensor, layer: str, unit: tuple[int, ...]) -> None:
        index = self.layers.index(layer)
        if index + 1 < len(self.layers):
            after = self.layers[index + 1]
            downstream = work.call("neuron_contributions", neuron_contributions, self.explainer, x, layer, unit, after)
            values = downstream.values[0].numpy()
            per_unit = values.reshape(values.shape[0], -1).sum(1) if values.ndim > 1 else values
            names = [str(i) for i in range(per_unit.size)]
            kind = "channel (summed over positions)" if values.ndim > 1 else "unit"
            self.next_chart.x_axis.label = kind
            self.next_chart.show(f"Contribution to {after}", names, [per_unit])
        else:
            self.next_chart.clear("Contribution to the next layer", f"{layer} is the last layer shown")
        outputs = work.call("neuron_contributions", neuron_contributions, self.explainer, x, layer, unit)
        conductance = self._unit_conductance(work, x, layer, unit)
        series = [outputs.values[0].numpy()]
        if conductance is not None:
            series.append(conductance)
        names = self.output_names[: series[0].size]
        self.output_chart.show(f"{layer} {list(unit)} → outputs", names, series)

    def _unit_conductance(self, work: Work, x: torch.Tensor, layer: str, unit: tuple[int, ...]) -> np.ndarray | None:
        """The unit's conductance for every class: one batched call per (sample, layer, steps),
        cached, so a second click in the same layer costs no conductance pass."""
        key = (self.sample_index, layer, self.conductance_steps)
        if key not in self._conductance:
            n = len(self.output_names)
            if n == 0:
                return None
            repeated = x.expand(n, *x.shape[1:])
            result = work.call(
                "conductance", layer_attribution, self.explainer, repeated, layer, "conductance",
                torch.arange(n), n_steps=self.conductance_steps,
            )  # fmt: skip
            self._conductance[key] = result.values.numpy()
        index: tuple[Any, ...] = (slice(None), *unit)
        return self._conductance[key][index]

    def _show_activation(self, work: Work, x: torch.Tensor, layer: str, unit: tuple[int, ...]) -> None:
        function = self._activation_for(layer)
        if function is None:
            self.activation_chart.clear("Activation function", f"no activation function runs at or after {layer}")
            return
        histogram = work.call("preactivation_histogram", _histogram, self.explainer, x, function)
        low, high = float(histogram.edges[0]), float(histogram.edges[-1])
        pad = 0.05 * (high - low)
        curve = activation_function_curve(self._modules[function], (low - pad, high + pad))
        unit_x = None
        # The unit's own pre-activation: the output of the module that runs just before its activation.
        position = self.order.index(function) if function in self.order else 0
        before = self._activations.get(self.order[position - 1]) if position > 0 else None
        if function == layer and before is not None and before.shape == self.shapes[layer]:
            unit_x = float(before[unit])
        self.activation_chart.show(
            f"{function}: {curve.name} over this input's pre-activations", curve.x, curve.y,
            histogram.counts, histogram.edges, unit_x,
        )  # fmt: skip

    # ---- which layers feed and follow a traced one ------------------------------------------------
    def _weight_layer(self, layer: str) -> str | None:
        """The last Conv or Linear layer that runs at or before ``layer`` (its weights feed the unit)."""
        if layer not in self.order:
            module = self._modules.get(layer)
            return layer if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)) else None
        for name in reversed(self.order[: self.order.index(layer) + 1]):
            if isinstance(self._modules.get(name), (nn.Linear, nn.modules.conv._ConvNd)):
                return name
        return None

    def _activation_for(self, layer: str) -> str | None:
        """``layer`` if it is an activation, else the first activation that runs after it."""
        if layer in self._activation_names:
            return layer
        if layer not in self.order:
            return None
        after = self.order[self.order.index(layer) + 1 :]
        return next((name for name in after if name in self._activation_names), None)


def _histogram(explainer: Any, x: torch.Tensor, layer: str, progress: Any = None) -> Any:
    # preactivation_histogram is one forward pass and takes no progress callback.
    return preactivation_histogram(explainer, x, layer, bins=40)


def _as_batch(explainer: Any, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``x`` as a batch (N, ...), and the first sample's layer outputs: ``x`` is taken as a batch
    when the model accepts its first item as a one-sample batch, else as one input."""
    if x.ndim == 0 or x.numel() == 0:
        raise InputError(f"x must hold at least one input, got shape {tuple(x.shape)}")
    if x.ndim == 1:
        x = x[None]
    try:
        return x, layer_activations(explainer, x[:1])
    except InputError as as_batch:
        try:
            return x[None], layer_activations(explainer, x[None])
        except InputError:
            raise as_batch from None


def _is_dense(shape: tuple[int, ...]) -> bool:
    """A layer shown as bars: one value per unit (a Linear's output, or channels of 1x1 maps)."""
    return len(shape) == 1 or int(np.prod(shape[1:])) == 1


def _grid_columns(n_channels: int) -> int:
    return max(1, math.ceil(math.sqrt(n_channels)))


def _mosaic(values: np.ndarray) -> np.ndarray:
    """(C, H, W) (or (C, L)) activations as one map: the channels as tiles, row-major, a line of
    the layer's minimum between them."""
    if values.ndim == 2:
        values = values[:, None, :]
    values = values.reshape(values.shape[0], -1, values.shape[-1])
    n, height, width = values.shape
    columns = _grid_columns(n)
    rows = math.ceil(n / columns)
    fill = float(values.min())
    mosaic = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), fill, dtype=np.float32)
    for channel in range(n):
        top, left = (channel // columns) * (height + 1), (channel % columns) * (width + 1)
        mosaic[top : top + height, left : left + width] = values[channel]
    return mosaic


def _tile_channel(shape: tuple[int, ...], row: int, column: int) -> int | None:
    """The channel whose tile holds mosaic cell (row, column); None on a separating line or past the last."""
    height = 1 if len(shape) == 2 else int(np.prod(shape[1:-1]))
    width = shape[-1]
    if row % (height + 1) == height or column % (width + 1) == width:
        return None
    channel = (row // (height + 1)) * _grid_columns(shape[0]) + column // (width + 1)
    return channel if channel < shape[0] else None
