"""ImageExplorer: the live, linked image attribution view, and ``explore`` to make one in a line."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
import traitlets as t

from ...kernel import Explainer, ExplainerError, apply_edits, registered_methods
from ..base.view import BaseView, Cancelled, Work
from ..base.wire import to_display_uint8, to_wire
from ..charts.image_charts import PixelChart, PredictionChart
from ..controls.method_chips import check_methods, method_chips, methods_for, toggled
from ..controls.param_controls import MethodControls
from .compare import DEFAULT_LINKS, Comparison
from .evaluation_panel import EvaluationPanel
from .explorer_canvas import ExplorerCanvas
from .prediction_spread import PredictionSpread, predict_spread, resolve_uncertainty
from .units import method_units

DEFAULT_METHODS = ("saliency", "integrated_gradients", "grad_cam")
_THUMBNAIL_SIZE = 64
# Methods slower than this show "computing" while they run; faster ones just repaint.
_SHOW_COMPUTING_S = 0.15


class ImageExplorer(BaseView):
    """Explore attributions of an image classifier: a gallery, one heatmap per method, the
    prediction as bars, the attribution at a clicked pixel, and what-if edits of the input.

    Args:
        explainer: the bound model.
        images: (N, C, H, W) tensor of inputs with values in [0, 1] (put any normalisation
            inside the model, so the view can show and edit the images as they are).
        labels: true class per image, optional.
        class_names: a name per class; default "0", "1", ...
        methods: methods enabled at start (default saliency, integrated_gradients, grad_cam);
            every registered method gets a chip to turn it on.
        masks: (N, 1, H, W) or (N, H, W) ground-truth masks, drawn as outlines, optional.
        top_k: how many classes the prediction chart shows.
        sample_index: the sample selected at start.
        evaluate: open the evaluation panel at start (a table of the enabled methods against the
            explanation metrics for the current sample; the user opens it with its button).
        metrics, metric_params: the panel's metrics (default: localisation when there are
            masks, complexity, deletion and insertion curves) and their parameters by metric.
        uncertainty: error bars on the prediction chart. "auto" (default): on when the model
            supports them, an ``xw.Ensemble`` (its members) or a model with dropout (30 MC
            dropout samples from a fixed seed, so a repaint is stable); the bars are then the
            mean over the samples and the error bars ±1 std. "mc_dropout" or "ensemble": that
            estimate (an ExplainerError if the model has none); None or False: plain bars.

    The state lives in ``explorer.canvas`` traits (``sample_index``, ``target``,
    ``clicked_pixel``, ``enabled_methods``, ``edits`` and the display traits), which can be
    linked with other views; kernel calls run on a worker thread, latest-wins, and the view's
    ``status`` and ``error`` are mirrored onto the canvas. The class explained is chosen in the
    ``target_menu`` ("predicted" first, then every class with its probability) or by a click in
    a prediction bar's column; it goes back to "predicted" when the sample changes.

    Two explorers side by side, linked: :meth:`compare_samples` (two samples of one gallery),
    :meth:`compare_models` (one sample under two models), or ``xw.compare(left, right)``.
    """

    worker_name = "image-explorer"

    def __init__(
        self,
        explainer: Explainer,
        images: Any,
        labels: Any = None,
        class_names: Sequence[str] | None = None,
        methods: Sequence[str] | None = None,
        masks: Any = None,
        top_k: int = 5,
        sample_index: int = 0,
        evaluate: bool = False,
        metrics: Sequence[str] | None = None,
        metric_params: dict[str, dict[str, Any]] | None = None,
        uncertainty: str | bool | None = "auto",
    ) -> None:
        self.explainer = explainer
        self.uncertainty = resolve_uncertainty(explainer, uncertainty)
        self.images = _as_images(images)
        self.labels = None if labels is None else torch.as_tensor(labels).flatten().long().cpu()
        self.masks = None if masks is None else _as_masks(masks, self.images)
        enabled = list(DEFAULT_METHODS if methods is None else methods)
        self.specs = methods_for("image", registered_methods(), enabled)
        check_methods(enabled, self.specs)

        probabilities = explainer.predict(self.images)
        n_classes = probabilities.shape[1]
        self.class_names = [str(i) for i in range(n_classes)] if class_names is None else list(class_names)
        if len(self.class_names) != n_classes:
            raise ExplainerError(f"{len(self.class_names)} class names for a model with {n_classes} outputs")

        super().__init__()
        self.canvas = ExplorerCanvas()
        t.dlink((self, "status"), (self.canvas, "status"))
        t.dlink((self, "error"), (self.canvas, "error"))
        self._params: dict[str, dict] = {}
        self._results: dict[str, torch.Tensor] = {}
        self._panel_keys: dict[str, tuple] = {}
        self._image_key: tuple | None = None
        self._image: torch.Tensor | None = None
        self._probabilities: torch.Tensor | None = None
        self._spread: PredictionSpread | None = None
        self._class_gradients: tuple[tuple | None, torch.Tensor] | None = None

        self._init_gallery(probabilities)
        self.canvas.sample_index = sample_index
        self._setting_targets = False
        self.target_menu = w.Dropdown(
            options=self._target_options(probabilities[self.canvas.sample_index].numpy()),
            value=-1,
            description="explain",
            layout=w.Layout(width="320px"),
            style={"description_width": "initial"},
        )
        self.target_menu.add_class("xw-target-menu")
        self.target_menu.observe(self._target_picked, names="value")
        self.prediction_chart = PredictionChart(
            self.class_names, self._pick_target, top_k, spread=self.uncertainty is not None
        )
        self.method_chart = PixelChart(
            "Pixel, per method", "value / max |map|", horizontal=True, value_range=(-1.0, 1.0)
        )
        self.class_chart = PixelChart("Pixel gradient, per class", "gradient")
        self.prediction_chart.figure.add_class("xw-prediction-chart")
        self.method_chart.figure.add_class("xw-method-chart")
        self.chips = method_chips(self.specs, enabled, self._chip_toggled)
        spatial = max(self.images.shape[-2:])
        self.method_controls = {
            name: MethodControls(spec, explainer.layers(), spatial, self._params_changed)
            for name, spec in self.specs.items()
        }
        self._controls_box = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.evaluation = EvaluationPanel(self.masks is not None, self.refresh, metrics, metric_params, open=evaluate)
        charts = [self.prediction_chart.widget, self.method_chart.figure, self.class_chart.figure]
        self.set_parts(
            [
                w.HBox(list(self.chips.values()), layout=w.Layout(flex_flow="row wrap")),
                self.target_menu,
                self.canvas,
                w.HBox(charts, layout=w.Layout(flex_flow="row wrap")),
                self._controls_box,
                self.evaluation,
            ]
        )
        self.add_class("xw-image-explorer")
        self.canvas.enabled_methods = [name for name in self.specs if name in enabled]
        self._show_controls()
        self.canvas.observe(self._sample_changed, names="sample_index")
        self.canvas.observe(self._state_changed, names=["edits", "target", "clicked_pixel"])
        self.canvas.observe(self._target_changed, names="target")
        self.canvas.observe(self._methods_changed, names="enabled_methods")
        self.refresh()

    # ---- side by side ------------------------------------------------------------------------
    @classmethod
    def compare_samples(
        cls,
        explainer: Explainer,
        images: Any,
        left: int = 0,
        right: int = 1,
        labels: Any = None,
        class_names: Sequence[str] | None = None,
        methods: Sequence[str] | None = None,
        masks: Any = None,
        link: Sequence[str] = DEFAULT_LINKS,
    ) -> Comparison:
        """Samples ``left`` and ``right`` of one gallery side by side: two explorers, the methods,
        their parameters, the target, the clicked pixel, the display and the edits linked (not
        the sample: pick another on either side). ``link`` as in ``xw.compare``."""
        indices = (left, right)
        return _compared(
            lambda side: cls(explainer, images, labels, class_names, methods, masks, sample_index=indices[side]), link
        )

    @classmethod
    def compare_models(
        cls,
        explainer_a: Explainer,
        explainer_b: Explainer,
        images: Any,
        labels: Any = None,
        class_names: Sequence[str] | None = None,
        methods: Sequence[str] | None = None,
        masks: Any = None,
        names: Sequence[str] | None = None,
        sample_index: int = 0,
        link: Sequence[str] = (*DEFAULT_LINKS, "sample"),
    ) -> Comparison:
        """The same samples under two models side by side, everything linked including the
        selected sample; ``names`` label the two models in the header (default their class
        names, or "model A" and "model B"). The models must share the class names when the
        target is linked; ``link`` as in ``xw.compare``."""
        explainers = (explainer_a, explainer_b)
        return _compared(
            lambda side: cls(explainers[side], images, labels, class_names, methods, masks, sample_index=sample_index),
            link,
            names,
        )

    # ---- what the user can do from Python (the browser does the same through the traits) ----
    @property
    def sample_index(self) -> int:
        return self.canvas.sample_index

    @sample_index.setter
    def sample_index(self, value: int) -> None:
        self.canvas.sample_index = value

    @property
    def target(self) -> int:
        return self.canvas.target

    @target.setter
    def target(self, value: int) -> None:
        self.canvas.target = value

    def set_params(self, method: str, **params: Any) -> None:
        """Change ``method``'s parameters (the controls follow)."""
        controls = self.method_controls[method].controls
        for name, value in params.items():
            controls[name].value = value

    def reset_edits(self) -> None:
        self.canvas.edits = []

    def _parts(self) -> list[w.Widget]:
        # Controls of methods not shown right now are not among the children.
        return list(self.method_controls.values()) if hasattr(self, "method_controls") else []

    def results(self) -> dict[str, torch.Tensor]:
        """The attribution shown in each panel, (C, H, W) CPU tensors."""
        return dict(self._results)

    # ---- set-up ----------------------------------------------------------------------------
    def _init_gallery(self, probabilities: torch.Tensor) -> None:
        predicted = probabilities.argmax(1)
        labels = []
        for i, p in enumerate(predicted.tolist()):
            true = None if self.labels is None else int(self.labels[i])
            labels.append(
                {
                    "true": None if true is None else self._class_name(true),
                    "predicted": self.class_names[p],
                    "correct": None if true is None else bool(true == p),
                }
            )
        self.canvas.n_samples = len(self.images)
        self.canvas.samples = to_wire(to_display_uint8(self.images, _THUMBNAIL_SIZE), "uint8")
        self.canvas.sample_labels = labels

    def _class_name(self, index: int) -> str:
        return self.class_names[index] if index < len(self.class_names) else str(index)

    def _show_controls(self) -> None:
        self._controls_box.children = [self.method_controls[name] for name in self.canvas.enabled_methods]

    # ---- events (comm thread): record intent, hand the work to the worker --------------------
    def _chip_toggled(self, name: str, on: bool) -> None:
        self.canvas.enabled_methods = toggled(self.canvas.enabled_methods, self.specs, name, on)

    def _methods_changed(self, _change: dict) -> None:
        for name, chip in self.chips.items():
            chip.value = name in self.canvas.enabled_methods
        self._show_controls()
        self.refresh()

    def _sample_changed(self, _change: dict) -> None:
        # (ExplorerCanvas refuses an index outside the gallery before it gets here.)
        if self.canvas.edits:
            self.canvas.edits = []  # edits belong to the image they were made on
        self.canvas.target = -1  # a class chosen for one image rarely fits the next: back to "predicted"
        self.refresh()

    def _state_changed(self, _change: dict) -> None:
        self.refresh()

    def _params_changed(self, method: str, params: dict) -> None:
        self._params[method] = params
        self.refresh()

    def _pick_target(self, class_index: int) -> None:
        self.canvas.target = class_index

    def _target_picked(self, change: dict) -> None:
        if not self._setting_targets and change["new"] is not None:
            self.canvas.target = change["new"]

    def _target_changed(self, change: dict) -> None:
        # A target this model has no class for (from a linked view) is explained as "predicted".
        with self._menu_update():
            self.target_menu.value = change["new"] if self._is_class(change["new"]) else -1

    @contextlib.contextmanager
    def _menu_update(self) -> Iterator[None]:
        """Changes of the menu made here do not write ``canvas.target`` back."""
        self._setting_targets = True
        try:
            yield
        finally:
            self._setting_targets = False

    def _is_class(self, index: int) -> bool:
        return 0 <= index < len(self.class_names)

    def _target_options(self, probabilities: np.ndarray) -> list[tuple[str, int]]:
        predicted = int(probabilities.argmax())
        first = f"predicted ({self.class_names[predicted]}, {_probability(probabilities[predicted])})"
        return [(first, -1)] + [
            (f"{name}  {_probability(p)}", index)
            for index, (name, p) in enumerate(zip(self.class_names, probabilities.tolist(), strict=True))
        ]

    def _show_target_options(self, probabilities: np.ndarray) -> None:
        """Relabel the menu with these probabilities, keeping the target it shows (a change of
        options selects the first entry, which must not reach ``canvas.target``)."""
        with self._menu_update(), self.target_menu.hold_sync():
            self.target_menu.options = self._target_options(probabilities)
            self.target_menu.value = self.canvas.target if self._is_class(self.canvas.target) else -1

    # ---- the work (worker thread) ------------------------------------------------------------
    def _update(self, work: Work) -> str:
        self._drop_disabled_panels()
        errors: list[str] = []
        with contextlib.ExitStack() as held:
            # Send a new image together with its fast panels, so no old map is ever drawn over
            # it; a slow method releases the hold first and shows "computing" meanwhile.
            held.enter_context(self.canvas.hold_sync())
            image_key = self._update_image(errors)
            work.check()
            target = self._update_prediction(work)
            for method in sorted(self.canvas.enabled_methods, key=lambda m: self.expected_seconds(m)):
                work.check()
                params = {**self.specs[method].defaults(), **self._params.get(method, {})}
                key = (image_key, target, method, json.dumps(params, sort_keys=True, default=str))
                if self._panel_keys.get(method) == key:
                    continue
                if self.expected_seconds(method) >= _SHOW_COMPUTING_S:
                    held.close()
                    self._set_panel(method, {**self.canvas.panels.get(method, {}), "status": "computing"})
                error = self._compute_panel(work, method, params, target, key)
                if error:
                    errors.append(error)
        work.check()
        self._update_pixel_charts(work, target)
        # After the maps are shown: the evaluation never delays them.
        errors.append(self._update_evaluation(work, target, image_key))
        return "; ".join(error for error in errors if error)

    def _update_evaluation(self, work: Work, target: int, image_key: tuple) -> str:
        if not self.evaluation.is_open or self._image is None:
            return ""
        enabled = [m for m in self.canvas.enabled_methods if m in self._results]
        params = {m: {**self.specs[m].defaults(), **self._params.get(m, {})} for m in enabled}
        mask = None if self.masks is None else self.masks[self.canvas.sample_index].numpy()
        maps = {m: self._results[m] for m in enabled}
        return self.evaluation.update(work, self.explainer, self._image, target, maps, params, mask, image_key)

    def _compute_panel(self, work: Work, method: str, params: dict, target: int, key: tuple) -> str:
        assert self._image is not None
        failed = {
            "signed": True,
            "elapsed_ms": 0.0,
            "target": target,
            "delta": None,
            **self._panel_caption(method, target),
        }
        try:
            result = work.call(method, self.explainer.attribute, self._image[None], method, target=target, **params)
        except Cancelled:
            self._set_panel(method, {**failed, "status": "error", "error": "cancelled"})
            raise
        except ExplainerError as error:
            self._panel_keys[method] = key
            self._results.pop(method, None)
            self._set_panel(method, {**failed, "status": "error", "error": str(error)})
            return f"{method}: {error}"
        values = result.values[0]
        self._results[method] = values
        self._panel_keys[method] = key
        self._set_panel(
            method,
            {
                "values": to_wire(values, "float16"),
                "signed": result.signed,
                "status": "idle",
                "error": "",
                "elapsed_ms": round(result.elapsed_ms, 2),
                "target": target,
                "delta": None if result.delta is None else float(result.delta[0]),
                **self._panel_caption(method, target, result.signed),
            },
        )
        return ""

    def _panel_caption(self, method: str, target: int, signed: bool | None = None) -> dict[str, str]:
        """What a panel says besides its method: the class explained and the units of its values."""
        name = self.class_names[target] if 0 <= target < len(self.class_names) else f"class {target}"
        return {"target_name": name, "units": method_units(method, signed)}

    def _drop_disabled_panels(self) -> None:
        enabled = set(self.canvas.enabled_methods)
        for method in set(self._panel_keys) - enabled:
            del self._panel_keys[method]
            self._results.pop(method, None)
        if set(self.canvas.panels) - enabled:
            self.canvas.panels = {name: value for name, value in self.canvas.panels.items() if name in enabled}

    def _set_panel(self, method: str, entry: dict) -> None:
        panels = {name: value for name, value in self.canvas.panels.items() if name in self.canvas.enabled_methods}
        panels[method] = entry
        self.canvas.panels = panels

    def _update_image(self, errors: list[str]) -> tuple:
        index = self.canvas.sample_index
        edits = list(self.canvas.edits)
        key = (index, json.dumps(edits, sort_keys=True))
        if key == self._image_key:
            return key
        try:
            image = apply_edits(self.images[index], edits)
        except (ExplainerError, KeyError, TypeError, ValueError) as error:
            errors.append(f"could not apply the edit: {error}")
            image = self.images[index]
        self._image, self._image_key = image, key
        self._probabilities = self._spread = None
        self.canvas.image = to_wire(to_display_uint8(image), "uint8")
        if self.masks is not None:
            self.canvas.mask = to_wire(self.masks[index], "uint8")
        return key

    def _update_prediction(self, work: Work) -> int:
        assert self._image is not None
        if self._probabilities is None:
            self._probabilities = self.explainer.predict(self._image[None])[0]
        if self.uncertainty is not None and self._spread is None:
            # In the same job as the prediction, once per image: a model without support pays nothing.
            self._spread = predict_spread(work, self.explainer, self._image[None], self.uncertainty)
        probabilities = self._probabilities.numpy()
        chosen = self._is_class(self.canvas.target)
        target = self.canvas.target if chosen else int(probabilities.argmax())
        if self._spread is None:
            self.prediction_chart.show(probabilities, target)
        else:
            spread = self._spread
            self.prediction_chart.show(spread.mean, target, spread.std, spread.describe())
        self._show_target_options(probabilities)
        how = "chosen" if chosen else "predicted"
        self.canvas.target_label = f"{self.class_names[target]} ({how}, {_probability(probabilities[target])})"
        return target

    def _update_pixel_charts(self, work: Work, target: int) -> None:
        if len(self.canvas.clicked_pixel) != 2 or self._image is None:
            return
        row, col = self.canvas.clicked_pixel
        names = [m for m in self.canvas.enabled_methods if m in self._results]
        # Each method relative to its own map: occlusion (~1) would otherwise hide gradients (~0.01).
        values = [_relative_to_map(self._results[m].sum(0), row, col) for m in names]
        self.method_chart.show(names, values, title=f"Pixel (row {row}, col {col}), per method")
        if self._class_gradients is None or self._class_gradients[0] != self._image_key:
            n_classes = len(self.class_names)
            batch = self._image[None].expand(n_classes, *self._image.shape)
            targets = list(range(n_classes))
            result = work.call("gradient (per class)", self.explainer.attribute, batch, "gradient", target=targets)
            self._class_gradients = (self._image_key, result.values)
        per_class = self._class_gradients[1][:, :, row, col].sum(1)
        self.class_chart.show(self.class_names, per_class.tolist(), highlight=target)


def explore(
    model: torch.nn.Module,
    images: Any,
    labels: Any = None,
    class_names: Sequence[str] | None = None,
    methods: Sequence[str] | None = None,
    masks: Any = None,
    device: str | torch.device | None = None,
) -> ImageExplorer:
    """Bind ``model`` and open an :class:`ImageExplorer` on ``images`` in one line."""
    return ImageExplorer(Explainer(model, device=device), images, labels, class_names, methods, masks)


def _compared(
    build: Callable[[int], ImageExplorer], link: Sequence[str], names: Sequence[str] | None = None
) -> Comparison:
    """Explorers ``build(0)`` and ``build(1)`` compared; those built are closed again on a failure."""
    views: list[ImageExplorer] = []
    try:
        for side in (0, 1):
            views.append(build(side))
        return Comparison(views[0], views[1], link=link, names=names, close_explorers=True)
    except BaseException:
        for view in views:
            view.close()
        raise


def _probability(p: float) -> str:
    """Two decimals ("p=0.42"), and "p<0.01" rather than a "p=0.00" that reads as impossible."""
    return f"p={p:.2f}" if p >= 0.005 else "p<0.01"


def _relative_to_map(channel_sum: torch.Tensor, row: int, col: int) -> float:
    """The map's value at (row, col) divided by its largest |value|, in -1..1 (0 for a zero map)."""
    largest = float(channel_sum.abs().max())
    return float(channel_sum[row, col]) / largest if largest > 0 else 0.0


def _as_images(images: Any) -> torch.Tensor:
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(images)
    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        shape = tuple(images.shape) if hasattr(images, "shape") else type(images).__name__
        raise ExplainerError(f"images must be an (N, C, H, W) tensor, got {shape}")
    if images.shape[1] not in (1, 3):
        raise ExplainerError(f"images need 1 or 3 channels to be shown, got {images.shape[1]}")
    return images.detach().float().cpu()


def _as_masks(masks: Any, images: torch.Tensor) -> torch.Tensor:
    masks = torch.as_tensor(masks).detach().cpu()
    if masks.ndim == 4:
        masks = masks[:, 0]
    if masks.shape != (images.shape[0], *images.shape[2:]):
        raise ExplainerError(f"masks of shape {tuple(masks.shape)} do not match images {tuple(images.shape)}")
    return masks.bool().to(torch.uint8)
