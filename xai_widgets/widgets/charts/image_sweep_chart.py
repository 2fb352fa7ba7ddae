"""ImageSweepChart: the output of one image sweep (a perturbation, or the IG path) against its amount."""

from __future__ import annotations

import html
from collections.abc import Sequence

import bqplot as bq
import ipywidgets as w

from ...kernel import IGPath, image_perturbations
from .axes import PROBABILITY_TICKS, TICK_FORMAT, set_value_axis

IG_PATH_LABEL = "alpha (baseline → input)"
_CURVE, _RUNNING, _REFERENCE, _CURSOR = "#4c78a8", "#e45756", "#888888", "#222222"


def amount_label(kind: str) -> str:
    """The x-axis label of sweep ``kind``: the kernel's perturbation registry says it, or the IG path's."""
    return IG_PATH_LABEL if kind == "ig_path" else image_perturbations()[kind].amount_label


class ImageSweepChart:
    """A bqplot line chart of one sweep: a main curve, an optional running sum and reference
    line (for the IG path), and a vertical cursor at the slider's amount. Its key is HTML under
    the chart (``key``), listing only the curves drawn: a bqplot legend sits inside the plot,
    over the curves, and keeps the entries of hidden marks."""

    def __init__(self) -> None:
        x_scale, self.y_scale = bq.LinearScale(), bq.LinearScale()
        scales = {"x": x_scale, "y": self.y_scale}
        self.curve = bq.Lines(x=[], y=[], scales=scales, colors=[_CURVE], labels=["output"])
        self.running_sum = bq.Lines(x=[], y=[], scales=scales, colors=[_RUNNING], labels=["running sum"], visible=False)
        self.reference = bq.Lines(
            x=[],
            y=[],
            scales=scales,
            colors=[_REFERENCE],
            line_style="dashed",
            labels=["F(x) − F(x0)"],
            visible=False,
        )
        self.cursor = bq.Lines(x=[], y=[], scales=scales, colors=[_CURSOR], stroke_width=1.5)
        # Both axes get round ticks from the data (set_value_axis): a fixed format on bqplot's
        # own ticks repeats labels (".2~g" printed 1.1, 1.1 for 1.05, 1.1).
        self.x_scale = x_scale
        self.x_axis = bq.Axis(scale=x_scale, label="amount", tick_format=TICK_FORMAT)
        self.y_axis = bq.Axis(
            scale=self.y_scale, orientation="vertical", label="output", tick_format=TICK_FORMAT, label_offset="50px"
        )
        self.figure = bq.Figure(
            marks=[self.curve, self.running_sum, self.reference, self.cursor],
            axes=[self.x_axis, self.y_axis],
            fig_margin=dict(top=54, bottom=50, left=65, right=10),  # the title clear of the top tick
            title_style={"font-size": "13px"},
            layout=w.Layout(width="420px", height="300px"),
            display_toolbar=False,  # bqplot's hover toolbar sits over the title
        )
        self.key = w.HTML(layout=w.Layout(width="420px"))
        self.key.add_class("xw-sweep-key")
        self._y_extent = (0.0, 1.0)

    def _drawn(self) -> list[bq.Lines]:
        return [m for m in (self.curve, self.running_sum, self.reference) if m.visible and len(m.x)]

    def key_entries(self) -> list[str]:
        """The labels the key shows: the drawn curves', then the cursor's."""
        return [*(m.labels[0] for m in self._drawn()), "slider amount"]

    def _show_key(self) -> None:
        items = [
            f"<span style='color:{m.colors[0]}'>{'&#9476;' if m.line_style == 'dashed' else '&#9473;'} "
            f"{html.escape(m.labels[0])}</span>"
            for m in self._drawn()
        ]
        items.append(f"<span style='color:{_CURSOR}'>| slider amount</span>")
        self.key.value = "<span style='font-size:11px'>" + " &nbsp; ".join(items) + "</span>"

    def show_sweep(
        self, amounts: Sequence[float], values: Sequence[float], kind: str, y_label: str, probability: bool = False
    ) -> None:
        """The model's output (``y_label``) at each amount of perturbation ``kind``; a
        ``probability`` is drawn on a fixed 0..1 axis, so curves of different images compare."""
        with self.figure.hold_sync():
            self.curve.x, self.curve.y = list(map(float, amounts)), list(map(float, values))
            if probability:
                self.y_scale.min, self.y_scale.max = 0.0, 1.0
                self.y_axis.tick_values = PROBABILITY_TICKS
            else:
                set_value_axis(self.y_axis, self.y_scale, min(self.curve.y), max(self.curve.y))
            set_value_axis(self.x_axis, self.x_scale, min(self.curve.x), max(self.curve.x))
            self.curve.labels = [y_label]
            self.running_sum.visible = self.reference.visible = False
            self.x_axis.label, self.y_axis.label = amount_label(kind), y_label
            self.figure.title = f"{y_label} against {kind}"
            self._y_extent = (0.0, 1.0) if probability else (min(self.curve.y), max(self.curve.y))
        self._show_key()

    def show_path(self, path: IGPath) -> None:
        """The IG integrand along the path, its running sum and the output difference it should reach."""
        alphas = path.alphas.tolist()
        with self.figure.hold_sync():
            self.curve.x, self.curve.y = alphas, path.integrand.tolist()
            self.curve.labels = ["integrand ∇F·(x − x0)"]
            self.running_sum.x, self.running_sum.y = alphas, path.running_sum.tolist()
            self.reference.x, self.reference.y = [0.0, 1.0], [path.output_difference] * 2
            self.running_sum.visible = self.reference.visible = True
            self.x_axis.label, self.y_axis.label = IG_PATH_LABEL, "output units"
            self.figure.title = f"IG path: running sum ends at {path.output_difference:.3g} (δ = {path.delta:.2g})"
            every = [*self.curve.y, *self.running_sum.y, path.output_difference]
            self._y_extent = (min(every), max(every))
            set_value_axis(self.y_axis, self.y_scale, *self._y_extent)
            set_value_axis(self.x_axis, self.x_scale, 0.0, 1.0)
        self._show_key()

    def move_cursor(self, amount: float) -> None:
        """The vertical line at the slider's amount."""
        low, high = self._y_extent
        with self.cursor.hold_sync():
            self.cursor.x, self.cursor.y = [float(amount)] * 2, [low, high]

    def close(self) -> None:
        for widget in (*self.figure.marks, *self.figure.axes, self.figure, self.key):
            widget.close()
