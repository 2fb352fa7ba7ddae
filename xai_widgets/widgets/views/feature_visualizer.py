"""FeatureVisualizer: activation maximisation live: the input that most excites a class, a layer's
channel or one neuron evolves as the ascent runs, beside the objective's curve; pause, resume,
reset, cancel; and a gallery of one image per class from one batched run."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import torch
import traitlets as t

from ...kernel import (
    ActivationMaximization,
    Explainer,
    ParameterError,
    activation_maximization,
    layer_activations,
    regularizer_specs,
)
from ..base.view import BaseView, Cancelled, Work
from ..base.wire import empty_array
from ..base.worker import Superseded
from ..charts.axes import TICK_FORMAT
from ..controls.param_controls import control_for
from .heatmap_view import HeatmapView

# The image and the curve are repainted at most this often while the ascent runs (10 a second).
REPAINT_INTERVAL_S = 0.1
_IMAGE_PX = 192
_GALLERY_PX = 88
_COLOURS = [
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
]
_DEFAULTS = dict(steps=128, lr=0.05, parametrization="pixel")


def _wide() -> w.Layout:
    """A fresh layout per control: a shared one would hide them all when one is hidden."""
    return w.Layout(width="260px")


class _Paused(Exception):
    """Raised from the step callback when the user pressed Pause: the run returns what it has."""


class FeatureVisualizer(BaseView):
    """What does the model look for? Gradient ascent on the input (``xw.activation_maximization``).

    Args:
        explainer: the bound model (left unchanged).
        shape: one input's shape without the batch dim, e.g. (3, 64, 64); default the model's
            ``input_shape`` attribute when it has one.
        class_names: one per output; default "class 0", "class 1", ...

    Choose what to maximise (a class output, a layer and one of its channels, or one neuron: a
    channel at one position of the layer's output), the
    regularisers and their strengths, the parametrisation (pixel or Fourier), the steps and the
    learning rate; **Run** starts an ascent whose image and objective curve repaint live (at most
    ten times a second), **Pause** stops it and keeps the result so far (``result``), **Resume**
    continues it (``resume=``), **Reset** clears it; the status bar's Cancel stops it as well.
    **All classes** computes one image per class in one batched run into the gallery
    (``gallery_result``). ``run()``, ``pause()``, ``resume()``, ``reset()``, ``run_gallery()`` do
    the same from code. Synced traits: ``state`` ("idle", "running", "paused", "done"),
    ``steps_done``, ``frames`` (repaints so far); plus the base's ``status``, ``error``...
    """

    state = t.Unicode("idle").tag(sync=True)
    steps_done = t.Int(0).tag(sync=True)
    frames = t.Int(0).tag(sync=True)

    worker_name = "feature-visualizer"

    def __init__(
        self, explainer: Explainer, shape: Sequence[int] | None = None, class_names: Sequence[str] | None = None
    ) -> None:
        if not isinstance(explainer, Explainer):
            raise ParameterError(f"FeatureVisualizer needs an xw.Explainer, got {type(explainer).__name__}")
        shape = shape if shape is not None else getattr(explainer.model, "input_shape", None)
        if shape is None:
            raise ParameterError(
                "FeatureVisualizer needs shape=, one input's shape without the batch dim, e.g. (3, 64, 64)"
            )
        self.explainer = explainer
        self.shape = tuple(int(s) for s in shape)
        with torch.no_grad():
            n_outputs = int(explainer.predict(torch.zeros(1, *self.shape)).shape[-1])
            # Channels per layer, read from one pass on a blank input (layers with a channel dim only).
            outputs = layer_activations(explainer, torch.zeros(1, *self.shape))
        self.channels = {name: int(out.shape[1]) for name, out in outputs.items() if out.ndim >= 2}
        # Each layer's output shape per sample: a neuron is a channel and a position within it.
        self.layer_shapes = {name: tuple(int(n) for n in outputs[name].shape[1:]) for name in self.channels}
        names = list(class_names) if class_names is not None else [f"class {i}" for i in range(n_outputs)]
        if len(names) != n_outputs:
            raise ParameterError(f"class_names has {len(names)} names but the model has {n_outputs} outputs")
        self.class_names = [str(name) for name in names]
        # The kernel's default regularisers start ticked: a run of no steps reports which they are.
        blank = activation_maximization(explainer, target=0, shape=self.shape, steps=0)
        self.default_regularizers = [r.name for r in blank.regularizers]
        self.result: ActivationMaximization | None = None
        self.gallery_result: ActivationMaximization | None = None
        self._action = "run"
        self._pause = threading.Event()
        self._curve: list[np.ndarray] = []
        super().__init__()
        self.add_class("xw-feature-visualizer")
        self._build()

    # ---- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        style = {"description_width": "110px"}
        self.kind = w.ToggleButtons(
            options=[("class", "class"), ("layer channel", "channel"), ("one neuron", "neuron")],
            value="class",
            tooltips=[
                "a class output of the model",
                "the mean activation of one channel of a layer",
                "one unit of a layer: a channel at one position",
            ],
        )
        self.kind.style.button_width = "110px"
        self.target = w.Dropdown(
            options=[(name, i) for i, name in enumerate(self.class_names)],
            description="class",
            layout=_wide(),
            style=style,
        )
        layers = list(self.channels)
        self.layer = w.Dropdown(options=layers, description="layer", layout=_wide(), style=style, disabled=not layers)
        self.channel = w.Dropdown(options=[], description="channel", layout=_wide(), style=style)
        # The neuron's position in the layer's output (row and column of a conv map; one position
        # along a sequence); hidden for layers without spatial dims.
        self.position = [
            w.BoundedIntText(value=0, min=0, max=0, description=label, layout=_wide(), style=style)
            for label in ("row", "column")
        ]
        for control in self.position:
            control.add_class("xw-fv-position")
        self.layer.observe(lambda _: self._fill_channels(), names="value")
        self.kind.observe(lambda _: self._show_objective(), names="value")
        self._fill_channels()
        self.parametrization = w.Dropdown(
            options=["pixel", "fourier"],
            value=_DEFAULTS["parametrization"],
            description="parametrisation",
            layout=_wide(),
            style=style,
        )
        if len(self.shape) != 3:
            self.parametrization.disabled = True  # the Fourier basis is for (C, H, W) images
        self.steps = w.BoundedIntText(
            value=_DEFAULTS["steps"], min=1, max=100_000, description="steps", layout=_wide(), style=style
        )
        self.lr = w.FloatLogSlider(
            value=_DEFAULTS["lr"], min=-3, max=0, step=0.1, description="lr", layout=_wide(), style=style
        )
        self.regularizer_boxes: dict[str, w.Checkbox] = {}
        self.regularizer_params: dict[str, dict[str, w.ValueWidget]] = {}
        rows = []
        spatial = max(self.shape[1:], default=1)
        for name, spec in regularizer_specs().items():
            box = w.Checkbox(
                value=name in self.default_regularizers,
                description=name,
                indent=False,
                tooltip=spec.doc,
                layout=w.Layout(width="80px"),
            )
            box.add_class(f"xw-fv-reg-{name}")
            controls = {p.name: control_for(p, [], spatial) for p in spec.params}
            self.regularizer_boxes[name] = box
            self.regularizer_params[name] = controls
            rows.append(w.HBox([box, *controls.values()], layout=w.Layout(align_items="center")))
        regularizers = w.VBox(
            [
                w.HTML(
                    "<b>Regularisers</b> <span class='xw-muted'>(keep the image readable; untick all to see why)</span>"
                ),
                *rows,
            ]
        )
        self.buttons = {}
        for label, action, tip in (
            ("Run", self.run, "start a new ascent"),
            ("Pause", self.pause, "stop and keep the result so far"),
            ("Resume", self.resume, "continue the paused ascent"),
            ("Reset", self.reset, "clear the image and the curve"),
            ("All classes", self.run_gallery, "one image per class, in one batched run"),
        ):
            button = w.Button(description=label, tooltip=tip, layout=w.Layout(width="100px"))
            button.add_class(f"xw-fv-{label.lower().replace(' ', '-')}")
            button.on_click(lambda _b, act=action: act())
            self.buttons[label] = button
        self.message = w.HTML()
        self.message.add_class("xw-fv-message")
        self.image = HeatmapView(display_size=_IMAGE_PX, show_controls=False, title="Press Run")
        self.image.add_class("xw-fv-image")
        self._build_curve()
        self.gallery_title = w.HTML()
        self.gallery = w.GridBox(layout=w.Layout(grid_template_columns=f"repeat(5, {_GALLERY_PX + 40}px)"))
        self.gallery.add_class("xw-fv-gallery")
        self.gallery_tiles: list[HeatmapView] = []
        self.objective_box = w.VBox([self.kind, self.target, self.layer, self.channel, *self.position])
        settings = w.VBox([self.parametrization, self.steps, self.lr])
        self._show_objective()
        self._update_buttons()
        self.set_parts(
            [
                w.HTML(
                    "<b>Feature visualisation</b> <span class='xw-muted'>(gradient ascent on the input; "
                    "your model is not changed)</span>"
                ),
                w.HBox([self.objective_box, settings]),
                regularizers,
                w.HBox(list(self.buttons.values())),
                self.message,
                w.HBox([self.image, self.figure], layout=w.Layout(align_items="flex-start")),
                self.gallery_title,
                self.gallery,
            ]
        )

    def _build_curve(self) -> None:
        x_scale, y_scale = bq.LinearScale(), bq.LinearScale()
        self.lines = bq.Lines(
            x=[],
            y=[],
            scales={"x": x_scale, "y": y_scale},
            display_legend=True,
            labels=["objective"],
            colors=_COLOURS[:1],
        )
        self.y_axis = bq.Axis(
            scale=y_scale, orientation="vertical", label="objective", tick_format=TICK_FORMAT, label_offset="45px"
        )
        self.figure = bq.Figure(
            marks=[self.lines],
            axes=[bq.Axis(scale=x_scale, label="step (Adam updates)", tick_format=TICK_FORMAT), self.y_axis],
            title="Objective during the ascent",
            legend_location="top-left",
            display_toolbar=False,  # bqplot's hover toolbar sits over the title
            fig_margin=dict(top=40, bottom=50, left=70, right=20),
            layout=w.Layout(width="440px", height="300px"),
        )
        self.figure.add_class("xw-fv-curve")

    def _fill_channels(self) -> None:
        count = self.channels.get(self.layer.value, 0)
        self.channel.options = [(str(c), c) for c in range(count)]
        spatial = self.layer_shapes.get(self.layer.value, ())[1:]
        for control, size in zip(self.position, spatial, strict=False):
            control.max = size - 1
            control.value = size // 2  # the centre: a unit whose receptive field lies inside the input
        if len(spatial) == 1:
            self.position[0].description = "position"
        elif spatial:
            self.position[0].description = "row"
        self._show_objective()

    def _show_objective(self) -> None:
        kind = self.kind.value
        self.target.layout.display = "" if kind == "class" else "none"
        self.layer.layout.display = self.channel.layout.display = "none" if kind == "class" else ""
        n_spatial = len(self.layer_shapes.get(self.layer.value, ())[1:]) if kind == "neuron" else 0
        for i, control in enumerate(self.position):
            control.layout.display = "" if i < n_spatial else "none"

    def neuron(self) -> tuple[int, ...]:
        """The chosen neuron as an index into the layer's output per sample: (channel, *position)."""
        n_spatial = len(self.layer_shapes.get(self.layer.value, ())[1:])
        return (int(self.channel.value), *(int(c.value) for c in self.position[:n_spatial]))

    def _update_buttons(self) -> None:
        running = self.state == "running"
        resumable = self.result is not None and self.result.cancelled and not running
        self.buttons["Run"].disabled = running
        self.buttons["All classes"].disabled = running
        self.buttons["Pause"].disabled = not running
        self.buttons["Resume"].disabled = not resumable

    # ---- actions ----------------------------------------------------------------------------------
    def run(self) -> None:
        """Start a new ascent for the chosen class or channel."""
        self._start("run")

    def run_gallery(self) -> None:
        """One image per class in one batched run, shown in the gallery."""
        self._start("gallery")

    def resume(self) -> None:
        """Continue the paused (or cancelled) ascent for ``steps`` more steps."""
        if self.result is None:
            self.message.value = "Nothing to resume: press Run first."
            return
        self._start("resume")

    def pause(self) -> None:
        """Stop the running ascent at its next step; the result so far stays in ``result``."""
        self._pause.set()

    def reset(self) -> None:
        """Stop any run and clear the image, the curve and the results."""
        self.cancel()
        self.wait(30)
        self.result = self.gallery_result = None
        self._curve = []
        with self.lines.hold_sync():
            self.lines.x, self.lines.y = [], []
        self.image.image = empty_array()
        self.image.title = "Press Run"
        self.message.value = ""
        self.gallery.children, self.gallery_title.value = (), ""
        self.steps_done, self.state = 0, "idle"
        self.status_bar.hide()
        self._update_buttons()

    def cancel(self) -> None:
        """Stop the running ascent (the status bar's Cancel); its result so far stays resumable."""
        super().cancel()
        if self._worker is not None and not self._worker.busy and self.state == "running":
            # The job was dropped before it started: nothing runs any more.
            self.state = "idle" if self.result is None else "paused"
            self._update_buttons()

    def _start(self, action: str) -> None:
        self._action = action
        self._pause.clear()
        self.state = "running"
        self._update_buttons()
        self.refresh()

    def regularizers(self) -> dict[str, dict[str, Any]]:
        """The ticked regularisers with their parameters, as ``activation_maximization`` takes them."""
        return {
            name: {p: control.value for p, control in self.regularizer_params[name].items()}
            for name, box in self.regularizer_boxes.items()
            if box.value
        }

    # ---- the job (worker thread) --------------------------------------------------------------------
    def _update(self, work: Work) -> str:
        action = self._action
        try:
            return self._ascend(work, action)
        finally:
            self._update_buttons()

    def _ascend(self, work: Work, action: str) -> str:
        kwargs: dict[str, Any] = dict(
            steps=int(self.steps.value),
            lr=float(self.lr.value),
            regularizers=self.regularizers(),
            parametrization=self.parametrization.value,
            on_step=self._stepper(work, action),
        )
        if action == "resume":
            assert self.result is not None
            previous = self.result
            kwargs.update(
                resume=previous,
                parametrization=previous.params["parametrization"],
                value_range=previous.params["value_range"],
                **_units_of(previous),
            )
        elif action == "gallery":
            kwargs.update(shape=self.shape, target=list(range(len(self.class_names))))
        elif self.kind.value == "class":
            kwargs.update(shape=self.shape, target=int(self.target.value))
        else:
            if self.layer.value is None or self.channel.value is None:
                self.state = "idle"
                return "choose a layer and a channel"
            kwargs.update(shape=self.shape, layer=self.layer.value)
            if self.kind.value == "neuron":
                kwargs.update(neuron=self.neuron())
            else:
                kwargs.update(channel=int(self.channel.value))
        gallery = action == "gallery" or (action == "resume" and self.result is self.gallery_result)
        if action != "resume":
            self._curve = []
            if gallery:
                self._prepare_gallery()
        try:
            result = work.call("activation_maximization", activation_maximization, self.explainer, **kwargs)
        except BaseException:
            self.state = "idle" if self.result is None else "paused"
            raise
        self.result = result
        if gallery:
            self.gallery_result = result
        self._paint(result.input, result.scores.numpy(), result, gallery)
        self.steps_done = result.steps_done
        stopped = result.stopped_by
        if isinstance(stopped, Superseded):
            self.state = "paused"
            raise Superseded
        if isinstance(stopped, Cancelled):
            self.state = "paused"
            raise Cancelled
        if isinstance(stopped, _Paused):
            self.state = "paused"
            self.message.value = f"Paused at step {result.steps_done}: Resume continues, Run starts afresh."
        elif stopped is not None:
            raise stopped
        else:
            self.state = "done"
            self.message.value = (
                f"{result.steps_done} steps in {result.elapsed_ms / 1000:.1f} s; final objective "
                + ", ".join(f"{v:.3g}" for v in result.scores[-1].tolist()[:10])
                if result.steps_done
                else ""
            )
        return ""

    def _stepper(self, work: Work, action: str) -> Any:
        last = [0.0]
        history = self._curve

        def on_step(step: int, inputs: torch.Tensor, scores: torch.Tensor) -> None:
            history.append(scores.numpy().copy())
            if self._pause.is_set():
                raise _Paused
            work.check()
            now = time.perf_counter()
            if now - last[0] >= REPAINT_INTERVAL_S:
                last[0] = now
                gallery = action == "gallery" or (action == "resume" and self.result is self.gallery_result)
                self._paint(inputs, None, None, gallery)
                self.steps_done = step

        return on_step

    # ---- painting -----------------------------------------------------------------------------------
    def _paint(
        self, inputs: torch.Tensor, scores: np.ndarray | None, result: ActivationMaximization | None, gallery: bool
    ) -> None:
        if scores is not None:
            self._curve = list(scores)
        curve = np.array(self._curve) if self._curve else np.zeros((0, len(inputs)))
        labels = self._labels(result, len(inputs), gallery)
        first_step = 1
        steps = np.arange(first_step, first_step + len(curve))
        with self.lines.hold_sync():
            self.lines.x = steps
            self.lines.y = curve.T if curve.shape[1] > 1 else curve[:, 0]
            self.lines.labels = labels
            # One curve: the title names it, and a long unit name's legend ran past the plot.
            self.lines.display_legend = len(labels) > 1
            self.lines.colors = [_COLOURS[i % len(_COLOURS)] for i in range(len(labels))]
        self.figure.title = "Objective: " + ("all classes" if gallery else labels[0] if labels else "")
        self.y_axis.label = _objective_label(labels[0] if labels else "")
        if gallery:
            for tile, image in zip(self.gallery_tiles, inputs, strict=False):
                tile.set_image(_displayable(image))
        else:
            self.image.set_image(_displayable(inputs[0]))
            self.image.title = f"{labels[0]}: input that maximises it"
        self.frames += 1

    def _labels(self, result: ActivationMaximization | None, k: int, gallery: bool) -> list[str]:
        if gallery:
            return self.class_names[:k]
        source = result or self.result
        if self._action != "resume" or source is None:
            if self.kind.value == "class":
                return [self.class_names[int(self.target.value)]]
            if self.kind.value == "neuron":
                return [f"{self.layer.value} neuron {self.neuron()}"]
            return [f"{self.layer.value} channel {self.channel.value}"]
        return [
            self.class_names[u] if source.objective == "class" else label
            for u, label in zip(source.units, source.labels, strict=True)
        ]

    def _prepare_gallery(self) -> None:
        old = self.gallery.children
        self.gallery_tiles = [
            HeatmapView(display_size=_GALLERY_PX, show_controls=False, title=name) for name in self.class_names
        ]
        for tile in self.gallery_tiles:
            tile.add_class("xw-fv-gallery-tile")
        self.gallery.children = self.gallery_tiles
        self.gallery_title.value = "<b>One input per class</b> <span class='xw-muted'>(one batched ascent)</span>"
        for tile in old:
            tile.close()

    def _parts(self) -> list[w.Widget]:
        return list(getattr(self, "gallery_tiles", ()))


def _units_of(result: ActivationMaximization) -> dict[str, Any]:
    """The arguments that ask for the same units as ``result`` (what ``resume=`` needs)."""
    if result.objective == "class":
        return dict(target=list(result.units) if len(result.units) > 1 else result.units[0])
    layer = result.labels[0].split(f" {result.objective} ")[0]
    if result.objective == "channel":
        return dict(layer=layer, channel=list(result.units) if len(result.units) > 1 else result.units[0])
    return dict(layer=layer, neuron=list(result.units))


def _objective_label(label: str) -> str:
    """The objective curve's y-axis title for a unit's label."""
    if " neuron " in label:
        return "activation of the neuron"
    if " channel " in label:
        return "mean activation of the channel"
    return "class score (model output)"


def _displayable(image: torch.Tensor) -> np.ndarray:
    """A (C, H, W) picture in [0, 1]: bounded inputs clipped; unbounded ones stretched min to max;
    a 1-D input drawn as one row."""
    array = image.detach().float().cpu().numpy()
    if array.ndim == 1:
        array = array[None, None, :]
    elif array.ndim == 2:
        array = array[None]
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        array = (array - low) / (high - low or 1.0)
    return np.clip(array, 0.0, 1.0)
