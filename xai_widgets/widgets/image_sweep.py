"""ImageSweepExplorer: drag a perturbation (brightness, noise, blur, an occluder) or the
integrated-gradients path over an image and watch the output curve and the attribution follow."""

from __future__ import annotations

import contextlib
import html
import time
from typing import Any, Callable, Sequence

import bqplot as bq
import ipywidgets as w
import traitlets as t

from ..kernel import ExplainerError
from ..kernel import Explainer
from ..kernel import (
    SWEEP_KINDS,
    IGPath,
    SweepResult,
    ig_path,
    perturb,
    perturbation_sweep,
    sweep_amounts,
    sweep_range,
)
from ..kernel import registered_methods
from .heatmap import HeatmapView
from .image_explorer import _as_images
from .worker import LatestWinsWorker, Superseded

_AXIS_LABELS = {
    "brightness": "brightness offset (fraction of range)",
    "noise": "noise std (fraction of range)",
    "blur": "blur sigma (pixels)",
    "occluder": "occluder position (raster index)",
    "ig_path": "alpha (baseline → input)",
}
# Slider resolution: fine enough to feel continuous, coarse enough to keep bursts short.
_SLIDER_STEPS = 100
_CURVE, _RUNNING, _REFERENCE, _CURSOR = "#4c78a8", "#e45756", "#888888", "#222222"


class SweepChart:
    """A bqplot line chart of one sweep: a main curve, an optional running sum and reference
    line (for the IG path), and a vertical cursor at the slider's amount."""

    def __init__(self) -> None:
        x_scale, y_scale = bq.LinearScale(), bq.LinearScale()
        scales = {"x": x_scale, "y": y_scale}
        self.curve = bq.Lines(x=[], y=[], scales=scales, colors=[_CURVE], labels=["output"], display_legend=True)
        self.running_sum = bq.Lines(x=[], y=[], scales=scales, colors=[_RUNNING], labels=["running sum"],
                                    display_legend=True, visible=False)
        self.reference = bq.Lines(x=[], y=[], scales=scales, colors=[_REFERENCE], line_style="dashed",
                                  labels=["F(x) − F(x0)"], display_legend=True, visible=False)
        self.cursor = bq.Lines(x=[], y=[], scales=scales, colors=[_CURSOR], stroke_width=1.5)
        self.x_axis = bq.Axis(scale=x_scale, label="amount")
        self.y_axis = bq.Axis(scale=y_scale, orientation="vertical", label="output", tick_format=".2~g",
                              label_offset="50px")
        self.figure = bq.Figure(
            marks=[self.curve, self.running_sum, self.reference, self.cursor], axes=[self.x_axis, self.y_axis],
            fig_margin=dict(top=30, bottom=50, left=65, right=10), legend_location="bottom-right",
            layout=w.Layout(width="420px", height="300px"),
        )
        self._y_extent = (0.0, 1.0)

    def show_sweep(self, amounts: Sequence[float], values: Sequence[float], kind: str, y_label: str) -> None:
        with self.figure.hold_sync():
            self.curve.x, self.curve.y = list(map(float, amounts)), list(map(float, values))
            self.curve.labels = [y_label]
            self.running_sum.visible = self.reference.visible = False
            self.x_axis.label, self.y_axis.label = _AXIS_LABELS[kind], y_label
            self.figure.title = f"{y_label} against {kind}"
            self._y_extent = (min(self.curve.y), max(self.curve.y))

    def show_path(self, path: IGPath) -> None:
        alphas = path.alphas.tolist()
        with self.figure.hold_sync():
            self.curve.x, self.curve.y = alphas, path.integrand.tolist()
            self.curve.labels = ["integrand ∇F·(x − x0)"]
            self.running_sum.x, self.running_sum.y = alphas, path.running_sum.tolist()
            self.reference.x, self.reference.y = [0.0, 1.0], [path.output_difference] * 2
            self.running_sum.visible = self.reference.visible = True
            self.x_axis.label, self.y_axis.label = _AXIS_LABELS["ig_path"], "output units"
            self.figure.title = f"IG path: running sum ends at {path.output_difference:.3g} (δ = {path.delta:.2g})"
            every = [*self.curve.y, *self.running_sum.y, path.output_difference]
            self._y_extent = (min(every), max(every))

    def move_cursor(self, amount: float) -> None:
        low, high = self._y_extent
        with self.cursor.hold_sync():
            self.cursor.x, self.cursor.y = [float(amount)] * 2, [low, high]

    def close(self) -> None:
        self.figure.close()


class ImageSweepExplorer(w.VBox):
    """Sweep a perturbation over one image: a kind menu, a slider over the kind's range, the
    perturbed image with the method's attribution at the slider, and the target's output curve.

    Args:
        explainer: the bound model.
        images: (N, C, H, W) tensor of inputs with values in [0, 1].
        class_names: a name per class, for the chart's label.
        method: the attribution method shown for the perturbation kinds (for "ig_path" the
            heatmap is the partial IG up to alpha).
        method_params: parameters of ``method``.
        options: per-kind perturbation options, e.g. ``{"occluder": {"size": 8}}``; brightness
            and noise clamp to the images' value range unless told otherwise.
        n_points: amounts per sweep curve; ``baseline``, ``n_steps`` and ``rule`` shape the IG path.

    State lives in traits (``sample_index``, ``kind``, ``amount``, ``target``, ``method``,
    ``status``, ``error``); curves are computed once per (sample, kind, target) and the
    attribution at every slider move, on a latest-wins worker.
    """

    sample_index = t.Int(0)
    kind = t.Enum(SWEEP_KINDS, "brightness")
    amount = t.Float(0.0)
    target = t.Int(-1)  # -1: the class predicted on the unperturbed image
    method = t.Unicode("saliency")
    status = t.Unicode("idle")
    error = t.Unicode("")
    elapsed_ms = t.Float(0.0)

    def __init__(
        self,
        explainer: Explainer,
        images: Any,
        class_names: Sequence[str] | None = None,
        method: str = "saliency",
        method_params: dict | None = None,
        options: dict[str, dict] | None = None,
        n_points: int = 41,
        baseline: Any = "zeros",
        n_steps: int = 32,
        rule: str = "riemann_trapezoid",
    ) -> None:
        self.explainer = explainer
        self.images = _as_images(images)
        self.class_names = None if class_names is None else list(class_names)
        self.specs = registered_methods()
        if method not in self.specs:
            raise ExplainerError(f"unknown method {method!r}; available: {list(self.specs)}")
        self.method_params = dict(method_params or {})
        value_range = (float(self.images.min()), float(self.images.max()))
        self.options = {kind: {} for kind in SWEEP_KINDS if kind != "ig_path"}
        for kind in ("brightness", "noise"):
            self.options[kind]["value_range"] = value_range
        for kind, given in (options or {}).items():
            self.options[kind].update(given)
        self.n_points = n_points
        self.path_options = dict(baseline=baseline, n_steps=n_steps, rule=rule)
        self.kernel_calls: dict[str, int] = {}
        self.curves: SweepResult | IGPath | None = None
        self._curve_key: tuple | None = None
        self._shown_signed: bool | None = None
        self.shown_image: Any = None  # what the heatmap shows, at full precision (for tests)
        self.shown_values: Any = None
        self.worker = LatestWinsWorker(on_error=self._report_unexpected, name="image-sweep")

        self.heatmap = HeatmapView()
        self.chart = SweepChart()
        self.sample_picker = w.BoundedIntText(min=0, max=len(self.images) - 1, description="sample",
                                              layout=w.Layout(width="160px"))
        self.kind_picker = w.Dropdown(options=list(SWEEP_KINDS), description="sweep", layout=w.Layout(width="200px"))
        self.slider = w.FloatSlider(description="amount", continuous_update=True, readout_format=".3g",
                                    layout=w.Layout(width="420px"))
        self.status_label = w.HTML()
        self._links = [
            t.link((self, "sample_index"), (self.sample_picker, "value")),
            t.link((self, "kind"), (self.kind_picker, "value")),
        ]
        super().__init__(children=[
            w.HBox([self.sample_picker, self.kind_picker, self.slider]),
            w.HBox([self.heatmap, self.chart.figure]),
            self.status_label,
        ])
        self.add_class("xw-image-sweep")
        self.method = method
        self._reset_slider()
        self._links.append(t.link((self, "amount"), (self.slider, "value")))
        self.observe(self._on_kind, names="kind")
        self.observe(self._on_sample, names="sample_index")
        self.observe(self._on_amount, names="amount")
        self.observe(self._refresh, names=["target", "method"])
        self.observe(self._show_status, names=["status", "error"])
        self._show_status()
        self._refresh()

    # ---- for scripts and tests --------------------------------------------------------------
    def wait(self, timeout: float = 60.0) -> bool:
        """Block until the worker is idle; False on timeout."""
        return self.worker.wait_idle(timeout)

    def close(self) -> None:
        """Stop the worker thread and close every widget of the view."""
        worker = getattr(self, "worker", None)
        if worker is not None:
            worker.close(timeout=10.0)
        for part in ("heatmap", "sample_picker", "kind_picker", "slider", "status_label"):
            widget = getattr(self, part, None)
            if widget is not None:
                widget.close()
        if getattr(self, "chart", None) is not None:
            self.chart.close()
        super().close()

    # ---- events (comm thread): record intent, hand the work to the worker ---------------------
    def _on_kind(self, _change: dict) -> None:
        # Each kind has its own range; start at the amount that leaves the image unchanged.
        self._reset_slider()
        self._refresh()

    def _on_sample(self, change: dict) -> None:
        if not 0 <= change["new"] < len(self.images):
            # Put the old index back without a recompute, which would clear the message at once.
            with self._unobserved(self._on_sample, "sample_index"):
                self.sample_index = change["old"]
            self.error = f"sample_index {change['new']} is out of range 0..{len(self.images) - 1}"
            return
        self._refresh()

    @contextlib.contextmanager
    def _unobserved(self, handler: Callable, name: str):
        self.unobserve(handler, names=name)
        try:
            yield
        finally:
            self.observe(handler, names=name)

    def _on_amount(self, _change: dict) -> None:
        # The cursor needs no kernel call, so it follows the slider at once.
        self.chart.move_cursor(self.amount)
        self._refresh()

    def _reset_slider(self) -> None:
        low, high, neutral = sweep_range(self.kind, self.images[:1], **self.options.get(self.kind, {}))
        step = 1.0 if self.kind == "occluder" else (high - low) / _SLIDER_STEPS
        # Held, so the new bounds and value are checked together, not against the old range.
        with self.slider.hold_trait_notifications():
            self.slider.min, self.slider.max, self.slider.step = low, high, step
            self.slider.value = neutral
        self.amount = neutral

    def _refresh(self, _change: dict | None = None) -> None:
        self.worker.submit(self._compute)

    def _show_status(self, _change: dict | None = None) -> None:
        text = self.status if not self.error else f"{self.status}: {self.error}"
        colour = "#c00" if self.status == "error" else "#555"
        self.status_label.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

    # ---- the work (worker thread) ------------------------------------------------------------
    def _compute(self, is_stale: Callable[[], bool]) -> None:
        def stop_if_stale(_fraction: float = 0.0) -> None:
            if is_stale():
                raise Superseded

        index, kind, amount, method = self.sample_index, self.kind, self.amount, self.method
        self.status = "computing"
        start = time.perf_counter()
        try:
            curves = self._update_curves(index, kind, stop_if_stale)
            stop_if_stale()
            self._update_heatmap(index, kind, amount, method, curves, stop_if_stale)
        except ExplainerError as error:
            self.heatmap.status, self.heatmap.error = "error", str(error)
            self.error, self.status = str(error), "error"
            return
        self.elapsed_ms = self.heatmap.elapsed_ms = (time.perf_counter() - start) * 1000.0
        self.heatmap.status, self.heatmap.error = "idle", ""
        self.error, self.status = "", "idle"

    def _update_curves(self, index: int, kind: str, stop_if_stale) -> SweepResult | IGPath:
        target = None if self.target < 0 else self.target
        key = (index, kind, target)
        if key == self._curve_key and self.curves is not None:
            return self.curves
        image = self.images[index : index + 1]
        self.kernel_calls[kind] = self.kernel_calls.get(kind, 0) + 1
        if kind == "ig_path":
            curves = ig_path(self.explainer, image, target, **self.path_options)
            stop_if_stale()
            self.chart.show_path(curves)
        else:
            options = self.options[kind]
            amounts = sweep_amounts(kind, image, self.n_points, **options)
            curves = perturbation_sweep(self.explainer, image, kind, amounts, target, **options)
            stop_if_stale()
            values = curves.outputs if curves.probabilities is None else curves.probabilities
            label = self._y_label(int(curves.target[0]), curves)
            self.chart.show_sweep(amounts.tolist(), values[0].tolist(), kind, label)
        self.chart.move_cursor(self.amount)
        self.curves, self._curve_key = curves, key
        return curves

    def _update_heatmap(self, index: int, kind: str, amount: float, method: str, curves, stop_if_stale) -> None:
        if isinstance(curves, IGPath):
            image, values, signed = curves.point_at(amount), curves.attribution_at(amount), True
        else:
            perturbed = perturb(self.images[index : index + 1], kind, amount, **self.options[kind])
            self.kernel_calls["attribution"] = self.kernel_calls.get("attribution", 0) + 1
            result = self.explainer.attribute(perturbed, method, target=int(curves.target[0]),
                                              progress=stop_if_stale, **self.method_params)
            image, values, signed = perturbed[0], result.values[0], result.signed
        stop_if_stale()
        # Image and map go out in one message, so no old map is drawn over a new image.
        with self.heatmap.hold_sync():
            self.heatmap.set_image(image.clamp(0.0, 1.0))
            self.heatmap.set_attribution(values)
            if signed != self._shown_signed:
                self.heatmap.colormap = "RdBu_r" if signed else "inferno"
                self._shown_signed = signed
        self.shown_image, self.shown_values = image, values

    def _y_label(self, target: int, curves: SweepResult) -> str:
        name = str(target) if self.class_names is None else self.class_names[target]
        return f"p({name})" if curves.probabilities is not None else f"output {name}"

    def _report_unexpected(self, error: BaseException) -> None:
        self.error, self.status = f"{type(error).__name__}: {error}", "error"
