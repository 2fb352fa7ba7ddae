"""The detail of one cell of an evaluation table: the deletion and insertion curves with a slider
that shows the image as features are removed or inserted, the map's maximum over the mask for
localisation, a histogram of the map's values for complexity, else the score and what it means."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
import numpy as np

from ...kernel import MetricSpec
from ..base.wire import empty_array, to_wire
from ..charts.evaluation_charts import CurveChart, ValueHistogram
from .heatmap_view import HeatmapView
from .metric_calls import format_score, scores
from .units import method_units

CURVE_METRICS = ("deletion_curve", "insertion_curve", "pixel_flipping")
_MAP_SIZE = 256


@dataclass
class CellContext:
    """What the detail of a cell shows beside the metric's result: the sample (C, H, W), the
    method's map (C, H, W) or (1, H, W), the mask (H, W) or None, the metric's resolved parameters
    and the results of the other curve metrics of the same method (by metric name)."""

    image: Any
    attribution: Any
    mask: Any
    params: dict[str, Any]
    curves: dict[str, Any]
    regression: bool = False


class EvaluationDetail(w.VBox):
    """Shows one cell's detail; :meth:`show` replaces what is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.add_class("xw-eval-detail")
        self.heading = w.HTML()
        self.curves = CurveChart()
        self.histogram = ValueHistogram()
        self.map = HeatmapView(display_size=_MAP_SIZE, show_controls=False)
        self.map.add_class("xw-eval-detail-map")
        self.step = w.IntSlider(
            value=0,
            min=0,
            max=1,
            description="features deleted",
            continuous_update=True,
            readout=False,
            layout=w.Layout(width="380px"),
            style={"description_width": "120px"},
        )
        self.step.add_class("xw-eval-step")
        self.step_label = w.HTML()
        self.step_label.add_class("xw-eval-step-label")
        self.step.observe(self._stepped, names="value")
        self.method = ""
        self.metric = ""
        self._curve: Any = None
        self._image: Any = None

    def clear(self, text: str = "") -> None:
        self.method = self.metric = ""
        self._curve = None
        self.heading.value = text
        self.children = [self.heading] if text else []

    def show(self, method: str, spec: MetricSpec, result: Any, context: CellContext) -> None:
        """The detail of ``spec``'s result for ``method`` on the sample of ``context``."""
        self.method, self.metric = method, spec.name
        score = format_score(float(scores(spec, result)[0]))
        self.heading.value = (
            f"<div class='xw-eval-detail-heading'><b>{html.escape(method)} · {html.escape(spec.name)} = {score}</b> "
            f"<span style='color:#555'>{html.escape(spec.doc.replace('``', ''))}</span></div>"
        )
        self._curve = None
        if spec.name in CURVE_METRICS:
            self._show_curves(method, spec, result, context)
        elif spec.family == "localisation":
            self._show_localisation(method, spec, context)
        elif spec.family == "complexity":
            self.histogram.show(np.asarray(context.attribution), f"{method}: how its map's |values| spread")
            self.children = [self.heading, self.histogram.figure]
        else:
            self.children = [self.heading]

    # ---- the curves and the slider over their columns --------------------------------------------
    def _show_curves(self, method: str, spec: MetricSpec, result: Any, context: CellContext) -> None:
        self._curve, self._image = result, context.image
        fractions = (result.counts.double() / result.counts[-1]).numpy()
        # Pixel flipping is a deletion curve of its own steps; the two curves go together.
        curves = {"deletion_curve": result} if spec.name == "pixel_flipping" else {**context.curves, spec.name: result}
        deletion, insertion = curves.get("deletion_curve"), curves.get("insertion_curve")
        parts = []
        for name, curve in (("deletion", deletion), ("insertion", insertion)):
            if curve is not None and len(curve.counts) == len(result.counts):
                parts.append(f"{name} AUC {format_score(float(curve.auc[0]))}")
        what = "probability" if context.params.get("softmax") else "logit"
        self.curves.show(
            fractions,
            None if deletion is None or len(deletion.counts) != len(fractions) else deletion.values[0].numpy(),
            None if insertion is None or len(insertion.counts) != len(fractions) else insertion.values[0].numpy(),
            f"{method}: " + ", ".join(parts),
            "output" if context.regression else f"target {what}",
        )
        verb = "inserted" if result.mode == "insertion" else "deleted"
        self.step.description = f"features {verb}"
        with self.step.hold_trait_notifications():
            self.step.max = len(result.counts) - 1
            self.step.value = len(result.counts) // 5
        self.map.title = f"{method} · the image the model saw"
        self.map.units = ""
        self.map.attribution = empty_array()
        self.map.mask = empty_array()
        self.map.clicked_pixel = []
        self._stepped(None)
        self.children = [
            self.heading,
            w.HBox(
                [w.VBox([self.curves.figure, self.curves.key]), w.VBox([self.step, self.step_label, self.map])],
                layout=w.Layout(flex_flow="row wrap"),
            ),
        ]

    def _stepped(self, _change: dict | None) -> None:
        result = self._curve
        if result is None:
            return
        step = min(self.step.value, len(result.counts) - 1)
        count, total = int(result.counts[step]), int(result.counts[-1])
        verb = "taken from the image into the baseline" if result.mode == "insertion" else "set to the baseline"
        self.step_label.value = (
            f"<span class='xw-eval-step-text'>{count} of {total} features ({100 * count / total:.0f}%) {verb}; "
            f"target output {format_score(float(result.values[0, step]))}</span>"
        )
        self.map.image = to_wire(result.inputs_at(self._image[None], step)[0], "float16")
        self.curves.move_cursor(count / total)

    # ---- the map, its maximum and the mask -------------------------------------------------------
    def _show_localisation(self, method: str, spec: MetricSpec, context: CellContext) -> None:
        values = np.asarray(context.attribution, np.float64)
        if context.params.get("absolute"):
            values = np.abs(values)
        _channel, row, col = (int(i) for i in np.unravel_index(int(np.argmax(values)), values.shape))
        inside = context.mask is not None and bool(np.asarray(context.mask)[row, col])
        where = "on the mask" if inside else "off the mask"
        with self.map.hold_sync():
            self.map.image = to_wire(context.image, "float16")
            self.map.attribution = to_wire(context.attribution, "float16")
            self.map.mask = empty_array() if context.mask is None else to_wire(context.mask, "uint8")
            self.map.clicked_pixel = [row, col]
            self.map.title = f"{method} · maximum (crosshair) at row {row}, col {col}: {where}"
            self.map.units = method_units(method, None)
        note = w.HTML(
            "<span style='font-size:11px;color:#555'>the outline is the ground-truth mask; "
            "the crosshair marks the map's largest value</span>"
        )
        self.children = [self.heading, self.map, note]
