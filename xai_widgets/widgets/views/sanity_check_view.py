"""SanityCheckView: the cascading model parameter randomisation (Adebayo et al., 2018) of several
methods side by side: a slider over the layers randomised from the output down repaints every
method's map, beside each method's similarity to its intact map."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
import traitlets as t

from ...kernel import Explainer, ExplainerError, registered_methods, registered_metrics
from ..base.view import BaseView, Work
from ..base.wire import to_wire
from ..charts.evaluation_charts import SimilarityChart, method_colour
from ..controls.method_chips import check_methods
from .heatmap_view import HeatmapView
from .units import method_units

DEFAULT_METHODS = ("gradient", "guided_backprop", "integrated_gradients", "grad_cam")
_SIMILARITY_LABELS = {
    "spearman": "Spearman rank correlation",
    "pearson": "Pearson correlation",
    "ssim": "structural similarity (SSIM)",
}
_RANDOMISATION = "model_parameter_randomisation"
_COLORBAR_PX = 256


class SanityCheckView(BaseView):
    """Do the maps depend on the model? Randomise its layers one by one from the output down (on a
    copy: the user's model is never changed) and watch each method's map.

    Args:
        explainer: the bound model.
        images: one image (C, H, W) or a batch (N, C, H, W), values in [0, 1].
        methods: registered attribution methods, one map each.
        target: the class explained (an int, one per image, or None for the predicted class).
        method_params: parameters per method, e.g. ``{"integrated_gradients": {"n_steps": 16}}``.
        seed, similarity: as ``xw.metrics.model_parameter_randomisation`` (Spearman by default).
        sample_index: which image's maps are shown (the curves are the mean over the images).
        map_size: the maps' display size in pixels.

    ``step`` (linked to the slider) is how many layers are randomised in the maps shown (0: the
    intact model); ``results()`` holds each method's ``RandomisationResult``. A map that stays
    similar as the layers go (guided backprop, DeconvNet) does not explain the model; gradients
    and Grad-CAM decorrelate.
    """

    step = t.Int(0)
    sample_index = t.Int(0)

    worker_name = "sanity-check-view"

    def __init__(
        self,
        explainer: Explainer,
        images: Any,
        methods: Sequence[str] = DEFAULT_METHODS,
        target: Any = None,
        method_params: Mapping[str, Mapping[str, Any]] | None = None,
        seed: int = 42,
        similarity: str = "spearman",
        sample_index: int = 0,
        map_size: int = 180,
    ) -> None:
        self.explainer = explainer
        self.images = _as_batch(images)
        self.methods = check_methods(list(methods), registered_methods())
        if not self.methods:
            raise ExplainerError("give at least one method, e.g. methods=('gradient', 'guided_backprop')")
        self.params = {name: dict((method_params or {}).get(name, {})) for name in self.methods}
        odd = sorted(set(method_params or {}) - set(self.methods))
        if odd:
            raise ExplainerError(f"method_params names {odd}, which are not among the methods {self.methods}")
        self.spec = registered_metrics()[_RANDOMISATION]
        self.options = self.spec.resolve({"seed": seed, "similarity": similarity})
        self.target_given = target
        super().__init__()
        self._results: dict[str, Any] = {}
        self.colours = {name: method_colour(i) for i, name in enumerate(self.methods)}
        self._build(map_size)
        self.sample_index = _checked_index(sample_index, len(self.images))
        self.observe(self._stepped, names="step")
        self.observe(self._sample_picked, names="sample_index")
        self.refresh()

    # ---- for scripts and tests --------------------------------------------------------------------
    def results(self) -> dict[str, Any]:
        """Each method's ``RandomisationResult`` (``.layers``, ``.similarity``, ``.maps``)."""
        return dict(self._results)

    @property
    def layers(self) -> list[str]:
        """The randomised layers, output layer first (empty before the first result)."""
        first = next(iter(self._results.values()), None)
        return [] if first is None else list(first.layers)

    def shown_map(self, method: str) -> np.ndarray:
        """The map ``method``'s panel shows now (float16 as sent)."""
        view = self.maps[method]
        return np.frombuffer(view.attribution["data"], dtype="<f2").reshape(view.attribution["shape"])

    # ---- set-up ----------------------------------------------------------------------------------
    def _build(self, map_size: int) -> None:
        self.slider = w.IntSlider(
            value=0,
            min=0,
            max=0,
            description="layers randomised",
            continuous_update=True,
            layout=w.Layout(width="420px"),
            style={"description_width": "130px"},
        )
        self.slider.add_class("xw-sanity-slider")
        t.link((self.slider, "value"), (self, "step"))
        self.layer_label = w.HTML()
        self.layer_label.add_class("xw-sanity-layer")
        self.picker = w.Dropdown(
            options=[(f"image {i}", i) for i in range(len(self.images))],
            description="image",
            layout=w.Layout(width="160px", display="" if len(self.images) > 1 else "none"),
        )
        t.link((self.picker, "value"), (self, "sample_index"))
        self.maps: dict[str, HeatmapView] = {}
        specs = registered_methods()
        for method in self.methods:
            signed = specs[method].signed
            view = HeatmapView(
                display_size=map_size,
                title=f"{method} · intact model",
                units=method_units(method, None),
                colormap="inferno" if signed is False else "RdBu_r",
                show_controls=False,  # one look for every step and method, so the maps compare
            )
            view.add_class("xw-sanity-map")
            view.add_class(f"xw-sanity-map-{method}")
            self.maps[method] = view
        box = max(map_size + 40, _COLORBAR_PX + 8)  # the HeatmapView's colorbar is 256 px wide
        label = _SIMILARITY_LABELS.get(self.options["similarity"], self.options["similarity"])
        self.chart = SimilarityChart(f"{label} with the intact map", width=360, height=320)
        heading = (
            "<b>Sanity check: randomise the model's layers from the output down</b> "
            "<span style='color:#555'>(on a copy; your model is not changed). A map that stays the same "
            "does not explain the model.</span>"
        )
        self.set_parts(
            [
                w.HTML(heading),
                w.HBox([self.slider, self.picker, self.layer_label], layout=w.Layout(align_items="center")),
                w.HBox(
                    [
                        w.HBox(
                            # A fixed width per map: its display controls wrap under each other
                            # instead of spreading it over the whole row.
                            [
                                w.Box([view], layout=w.Layout(width=f"{box}px", margin="0 8px 8px 0"))
                                for view in self.maps.values()
                            ],
                            layout=w.Layout(flex_flow="row wrap", width=f"{2 * (box + 8)}px", flex="0 0 auto"),
                        ),
                        w.VBox([self.chart.figure, self.chart.key], layout=w.Layout(width="370px", flex="0 0 auto")),
                    ],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        self.add_class("xw-sanity-check-view")

    # ---- events (comm thread): the slider only repaints from the cached maps -----------------------
    def _stepped(self, _change: dict | None) -> None:
        step = self.step
        layers = self.layers
        if not layers:
            return
        if step == 0:
            where = "0: the intact model"
        else:
            last = html.escape(layers[step - 1])
            where = f"{step} of {len(layers)}: every layer from the output down to <code>{last}</code>"
        self.layer_label.value = f"<span class='xw-sanity-layer-text'>{where}</span>"
        for method in self._results:
            self._show_map(method)
        self.chart.move_cursor(step)

    def _sample_picked(self, _change: dict) -> None:
        for method in self._results:
            self.maps[method].set_image(self.images[self.sample_index])
        self._stepped(None)

    def _show_map(self, method: str) -> None:
        result = self._results[method]
        step = min(self.step, len(result.layers))
        view = self.maps[method]
        similarity = float(result.similarity[step, self.sample_index])
        with view.hold_sync():
            view.attribution = to_wire(result.maps[step, self.sample_index], "float16")
            view.title = (
                f"{method} · intact model"
                if step == 0
                else f"{method} · {step} layers randomised · similarity {similarity:.2f}"
            )

    # ---- the work (worker thread) ------------------------------------------------------------------
    def _update(self, work: Work) -> str:
        errors = []
        for method in self.methods:
            work.check()
            if method in self._results:
                continue
            try:
                result = work.call(
                    method,
                    self.spec.compute,
                    self.explainer,
                    self.images,
                    method,
                    self.target_given,
                    **self.options,
                    **self.params[method],
                )
            except ExplainerError as error:
                errors.append(f"{method}: {error}")
                self.maps[method].title = f"{method}: error"
                self.maps[method].error = str(error)
                continue
            self._results[method] = result
            self.maps[method].set_image(self.images[self.sample_index])
            self.slider.max = len(result.layers)
            self._show_map(method)
            self.chart.show(self._curves(), self.colours)
            self._stepped(None)
        return "; ".join(errors)

    def _curves(self) -> dict[str, np.ndarray]:
        return {method: result.similarity.double().mean(dim=1).numpy() for method, result in self._results.items()}


def _as_batch(images: Any) -> torch.Tensor:
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(images)
    if not isinstance(images, torch.Tensor) or images.ndim not in (3, 4):
        shape = tuple(images.shape) if hasattr(images, "shape") else type(images).__name__
        raise ExplainerError(f"images must be one (C, H, W) image or an (N, C, H, W) batch, got {shape}")
    images = images.detach().float().cpu()
    return images[None] if images.ndim == 3 else images


def _checked_index(index: int, n: int) -> int:
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
        raise ExplainerError(f"sample_index must be 0..{n - 1}, got {index!r}")
    return int(index)
