"""ImageSweepExplorer: drag a perturbation (brightness, noise, blur, an occluder) or the
integrated-gradients path over an image and watch the output curve and the attribution follow."""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import ipywidgets as w
import traitlets as t

from ...kernel import (
    Explainer,
    ExplainerError,
    IGPath,
    SweepResult,
    ig_path,
    image_perturbations,
    perturb,
    perturbation_sweep,
    registered_methods,
    sweep_amounts,
    sweep_range,
)
from ..base.view import BaseView, Work
from ..charts.image_sweep_chart import ImageSweepChart
from .heatmap_view import HeatmapView
from .image_explorer import _as_images

IG_PATH = "ig_path"
# Slider resolution: fine enough to feel continuous, coarse enough to keep bursts short.
_SLIDER_STEPS = 100


def sweep_kinds() -> list[str]:
    """The kinds a user can sweep: every perturbation the kernel registers, then the IG path."""
    return [*image_perturbations(), IG_PATH]


class ImageSweepExplorer(BaseView):
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

    State lives in synced traits (``sample_index``, ``kind``, ``amount``, ``target``,
    ``method``, and the base's ``status``, ``error``...); curves are computed once per
    (sample, kind, target) and the attribution at every slider move, on a latest-wins worker.
    """

    sample_index = t.Int(0).tag(sync=True)
    kind = t.Unicode("brightness").tag(sync=True)
    amount = t.Float(0.0).tag(sync=True)
    target = t.Int(-1).tag(sync=True)  # -1: the class predicted on the unperturbed image
    method = t.Unicode("saliency").tag(sync=True)

    worker_name = "image-sweep"

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
        # Perturbations that take a value range clamp to the images' own range unless told otherwise.
        self.options: dict[str, dict] = {
            kind: {"value_range": value_range} if "value_range" in spec.options else {}
            for kind, spec in image_perturbations().items()
        }
        for kind, given in (options or {}).items():
            if kind not in self.options:
                raise ExplainerError(f"options for unknown sweep {kind!r}; perturbations: {list(self.options)}")
            self.options[kind].update(given)
        self.n_points = n_points
        self.path_options = dict(baseline=baseline, n_steps=n_steps, rule=rule)

        super().__init__()
        self.curves: SweepResult | IGPath | None = None
        self._curve_key: tuple | None = None
        self._shown_signed: bool | None = None
        self.shown_image: Any = None  # what the heatmap shows, at full precision (for tests)
        self.shown_values: Any = None

        self.heatmap = HeatmapView()
        # What the map shows (method, class, kind and amount): HTML above it, as HeatmapView has no title.
        self.heatmap_title = w.HTML(layout=w.Layout(width="300px"))
        self.heatmap_title.add_class("xw-sweep-map-title")
        self.chart = ImageSweepChart()
        self.sample_picker = w.BoundedIntText(
            min=0, max=len(self.images) - 1, description="sample", layout=w.Layout(width="160px")
        )
        self.kind_picker = w.Dropdown(options=sweep_kinds(), description="sweep", layout=w.Layout(width="200px"))
        self.slider = w.FloatSlider(
            description="amount", continuous_update=True, readout_format=".3g", layout=w.Layout(width="420px")
        )
        self.status_label = w.HTML()
        self._links = [
            t.link((self, "sample_index"), (self.sample_picker, "value")),
            t.link((self, "kind"), (self.kind_picker, "value")),
            t.dlink((self, "elapsed_ms"), (self.heatmap, "elapsed_ms")),
        ]
        self.set_parts(
            [
                w.HBox([self.sample_picker, self.kind_picker, self.slider]),
                w.HBox([w.VBox([self.heatmap_title, self.heatmap]), w.VBox([self.chart.figure, self.chart.key])]),
                self.status_label,
            ]
        )
        self.add_class("xw-image-sweep")
        self.method = method
        self._reset_slider()
        self._links.append(t.link((self, "amount"), (self.slider, "value")))
        self.observe(self._on_kind, names="kind")
        self.observe(self._on_sample, names="sample_index")
        self.observe(self._on_amount, names="amount")
        self.observe(self._on_choice, names=["target", "method"])
        self.observe(self._show_status, names=["status", "error"])
        self._show_status()
        self.refresh()

    @t.validate("kind")
    def _valid_kind(self, proposal: t.Bunch) -> str:
        kinds = sweep_kinds()
        if proposal["value"] not in kinds:
            raise t.TraitError(f"kind must be one of {kinds}, got {proposal['value']!r}")
        return proposal["value"]

    def _parts(self) -> list[w.Widget]:
        return [*self.chart.figure.marks, *self.chart.figure.axes] if hasattr(self, "chart") else []

    # ---- events (comm thread): record intent, hand the work to the worker ---------------------
    def _on_kind(self, _change: dict) -> None:
        # Each kind has its own range; start at the amount that leaves the image unchanged.
        self._reset_slider()
        self.refresh()

    def _on_sample(self, change: dict) -> None:
        if not 0 <= change["new"] < len(self.images):
            # Put the old index back without a recompute, which would clear the message at once.
            with self._unobserved(self._on_sample, "sample_index"):
                self.sample_index = change["old"]
            self.error = f"sample_index {change['new']} is out of range 0..{len(self.images) - 1}"
            return
        self.refresh()

    @contextlib.contextmanager
    def _unobserved(self, handler: Callable, name: str) -> Iterator[None]:
        self.unobserve(handler, names=name)
        try:
            yield
        finally:
            self.observe(handler, names=name)

    def _on_amount(self, _change: dict) -> None:
        # The cursor needs no kernel call, so it follows the slider at once.
        self.chart.move_cursor(self.amount)
        self.refresh()

    def _on_choice(self, _change: dict) -> None:
        self.refresh()

    def _reset_slider(self) -> None:
        low, high, neutral = sweep_range(self.kind, self.images[:1], **self.options.get(self.kind, {}))
        spec = image_perturbations().get(self.kind)
        step = 1.0 if spec is not None and spec.whole_amounts else (high - low) / _SLIDER_STEPS
        # Held, so the new bounds and value are checked together, not against the old range.
        with self.slider.hold_trait_notifications():
            self.slider.min, self.slider.max, self.slider.step = low, high, step
            self.slider.value = neutral
        self.amount = neutral

    def _show_status(self, _change: dict | None = None) -> None:
        text = self.status if not self.error else f"{self.status}: {self.error}"
        colour = "#c00" if self.status == "error" else "#555"
        self.status_label.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

    # ---- the work (worker thread) ------------------------------------------------------------
    def _update(self, work: Work) -> str:
        index, kind, amount, method = self.sample_index, self.kind, self.amount, self.method
        try:
            curves = self._update_curves(work, index, kind)
            work.check()
            self._update_heatmap(work, index, kind, amount, method, curves)
        except ExplainerError as error:
            self.heatmap.status, self.heatmap.error = "error", str(error)
            return str(error)
        self.heatmap.status, self.heatmap.error = "idle", ""
        return ""

    def _update_curves(self, work: Work, index: int, kind: str) -> SweepResult | IGPath:
        target = None if self.target < 0 else self.target
        key = (index, kind, target)
        if key == self._curve_key and self.curves is not None:
            return self.curves
        image = self.images[index : index + 1]
        curves: SweepResult | IGPath
        if kind == IG_PATH:
            curves = work.call(kind, ig_path, self.explainer, image, target, **self.path_options)
            work.check()
            self.chart.show_path(curves)
        else:
            options = self.options[kind]
            amounts = sweep_amounts(kind, image, self.n_points, **options)
            curves = work.call(kind, perturbation_sweep, self.explainer, image, kind, amounts, target, **options)
            work.check()
            values = curves.outputs if curves.probabilities is None else curves.probabilities
            label = self._y_label(int(curves.target[0]), curves)
            probability = curves.probabilities is not None
            self.chart.show_sweep(amounts.tolist(), values[0].tolist(), kind, label, probability=probability)
        self.chart.move_cursor(self.amount)
        self.curves, self._curve_key = curves, key
        return curves

    def _update_heatmap(
        self, work: Work, index: int, kind: str, amount: float, method: str, curves: SweepResult | IGPath
    ) -> None:
        if isinstance(curves, IGPath):
            image, values, signed = curves.point_at(amount), curves.attribution_at(amount), True
            title = self._map_title("integrated gradients", curves.target, f"path up to α = {amount:.3g}", signed)
        else:
            perturbed = perturb(self.images[index : index + 1], kind, amount, **self.options[kind])
            target = int(curves.target[0])
            result = work.call(
                "attribution", self.explainer.attribute, perturbed, method, target=target, **self.method_params
            )
            image, values, signed = perturbed[0], result.values[0], result.signed
            title = self._map_title(method, target, f"{kind} {amount:.3g}", signed)
        work.check()
        # Image and map go out in one message, so no old map is drawn over a new image.
        with self.heatmap.hold_sync():
            self.heatmap.set_image(image.clamp(0.0, 1.0))
            self.heatmap.set_attribution(values)
            if signed != self._shown_signed:
                # A signed map goes through a diverging colormap with -/0/+ labels; an unsigned
                # one through a sequential colormap as magnitudes, labelled from 0 up.
                self.heatmap.colormap = "RdBu_r" if signed else "inferno"
                self.heatmap.sign = "all" if signed else "absolute"
                self._shown_signed = signed
        self.heatmap_title.value = title
        self.shown_image, self.shown_values = image, values

    def _map_title(self, method: str, target: int, where: str, signed: bool) -> str:
        units = "attribution (+ for, − against)" if signed else "magnitude, unsigned"
        name = str(target) if self.class_names is None else self.class_names[target]
        return (
            f"<b>{html.escape(method.replace('_', ' '))}</b> for class <b>{html.escape(name)}</b>, "
            f"{html.escape(where)}<br><span style='font-size:11px;color:#555'>{units}</span>"
        )

    def _y_label(self, target: int, curves: SweepResult) -> str:
        name = str(target) if self.class_names is None else self.class_names[target]
        return f"p({name})" if curves.probabilities is not None else f"output {name}"
