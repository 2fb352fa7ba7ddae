"""bqplot charts of the ModelReport: ROC and precision-recall curves (one line per class and the
micro average, the areas in the key), the KS chart, the lift chart, each with the operating point
of the decision threshold, and the per-class report as a table. They only draw what they are given."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from .axes import PROBABILITY_TICKS, set_value_axis
from .figures import chart_figure, f32, key_html, labelled_axes
from .uncertainty_charts import GUIDE_COLOUR

# Category10: a colour per class, the micro average in black (dashed).
CLASS_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
MICRO_COLOUR = "#222222"
POINT_COLOUR = "#e6550d"
POSITIVE_COLOUR = "#d62728"
NEGATIVE_COLOUR = "#1f77b4"


def class_colour(index: int) -> str:
    return CLASS_COLOURS[index % len(CLASS_COLOURS)]


class CurveChart:
    """Curves in the unit square (ROC: TPR against FPR; PR: precision against recall), one line per
    entry of :meth:`show`, a guide line (the diagonal, or the positives' share) and the operating
    point at the decision threshold (binary models)."""

    def __init__(self, title: str, x_label: str, y_label: str, css_class: str, width: int = 400, height: int = 340):
        self.x_scale = bq.LinearScale(min=0.0, max=1.0)
        self.y_scale = bq.LinearScale(min=0.0, max=1.0)
        self.scales = {"x": self.x_scale, "y": self.y_scale}
        self.guide = bq.Lines(
            x=np.array([0.0, 1.0], np.float32),
            y=np.array([0.0, 1.0], np.float32),
            scales=self.scales,
            colors=[GUIDE_COLOUR],
            line_style="dashed",
            stroke_width=1,
            opacities=[0.6],
        )
        self.point = bq.Scatter(
            x=np.zeros(0, np.float32),
            y=np.zeros(0, np.float32),
            scales=self.scales,
            colors=[POINT_COLOUR],
            default_size=90,
            stroke="black",
            stroke_width=1.5,
        )
        x_axis, y_axis = labelled_axes(self.x_scale, self.y_scale, x_label, y_label)
        x_axis.tick_values = y_axis.tick_values = PROBABILITY_TICKS
        self.axes = [x_axis, y_axis]
        self.lines: list[bq.Lines] = []
        self.figure = chart_figure([self.guide, self.point], self.axes, title, width, height, css_class)
        # As wide as the chart: a key of many classes wraps instead of pushing the next chart down.
        self.key = w.HTML(layout=w.Layout(max_width=f"{width}px"))
        self._css_class = css_class
        self._key_entries: list[tuple[str, str, str]] = []

    def show(
        self, curves: Sequence[tuple[np.ndarray, np.ndarray, str, str, bool]], guide_y: float | None = None
    ) -> None:
        """``curves``: (x, y, name with its area, colour, dashed) per line; ``guide_y`` a horizontal
        guide (the PR chart's chance level), else the diagonal."""
        old = self.lines
        self.lines = [
            bq.Lines(
                x=f32(x),
                y=f32(y),
                scales=self.scales,
                colors=[colour],
                stroke_width=2.0 if not dashed else 1.8,
                line_style="dashed" if dashed else "solid",
            )
            for x, y, _name, colour, dashed in curves
        ]
        with self.figure.hold_sync():
            with self.guide.hold_sync():
                if guide_y is None:
                    self.guide.x, self.guide.y = f32([0.0, 1.0]), f32([0.0, 1.0])
                else:
                    self.guide.x, self.guide.y = f32([0.0, 1.0]), f32([guide_y, guide_y])
            self.figure.marks = [self.guide, *self.lines, self.point]
        for line in old:
            line.close()
        self._key_entries = [(name, colour, "dashed" if dashed else "line") for _x, _y, name, colour, dashed in curves]
        guide_name = "chance" if guide_y is None else f"chance (positives' share {guide_y:.2f})"
        self.key.value = key_html([*self._key_entries, (guide_name, GUIDE_COLOUR, "dashed")], f"{self._css_class}-key")

    def mark(self, x: float | None, y: float | None) -> None:
        """The operating point (none: ``x`` is None)."""
        with self.point.hold_sync():
            if x is None or y is None or not np.isfinite(x) or not np.isfinite(y):
                self.point.x, self.point.y = f32([]), f32([])
            else:
                self.point.x, self.point.y = f32([x]), f32([y])


class KSChart:
    """The KS chart: the share of positives and of negatives scored at or above each threshold, the
    largest gap (the KS statistic) marked, and the decision threshold as a vertical line."""

    def __init__(self, width: int = 400, height: int = 340) -> None:
        self.x_scale = bq.LinearScale(min=0.0, max=1.0)
        self.y_scale = bq.LinearScale(min=0.0, max=1.0)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.rates = bq.Lines(
            x=np.zeros((2, 2), np.float32),
            y=np.zeros((2, 2), np.float32),
            scales=scales,
            colors=[POSITIVE_COLOUR, NEGATIVE_COLOUR],
            stroke_width=2,
        )
        self.gap = bq.Lines(
            x=np.zeros(2, np.float32), y=np.zeros(2, np.float32), scales=scales, colors=[GUIDE_COLOUR], stroke_width=3
        )
        self.threshold = bq.Lines(
            x=np.zeros(2, np.float32),
            y=np.array([0.0, 1.0], np.float32),
            scales=scales,
            colors=[POINT_COLOUR],
            line_style="dashed",
            stroke_width=2,
        )
        x_axis, y_axis = labelled_axes(self.x_scale, self.y_scale, "threshold (score)", "share scored ≥ threshold")
        x_axis.tick_values = y_axis.tick_values = PROBABILITY_TICKS
        self.figure = chart_figure(
            [self.rates, self.gap, self.threshold], [x_axis, y_axis], "KS", width, height, "xw-ks-chart"
        )
        self.key = w.HTML(layout=w.Layout(max_width=f"{width}px"))
        self.statistic = float("nan")

    def show(
        self,
        thresholds: np.ndarray,
        positive: np.ndarray,
        negative: np.ndarray,
        statistic: float,
        at: float,
        title: str,
        positive_name: str,
    ) -> None:
        # The first threshold is +inf (nothing predicted positive): draw it at the top of the scale.
        x = np.clip(np.nan_to_num(thresholds, posinf=1.0, neginf=0.0), 0.0, 1.0)
        best = int(np.argmax(np.abs(positive - negative)))
        self.statistic = statistic
        at_x = float(np.clip(at if np.isfinite(at) else 1.0, 0.0, 1.0))
        with self.figure.hold_sync():
            with self.rates.hold_sync():
                self.rates.x = f32([x, x])
                self.rates.y = f32([positive, negative])
            with self.gap.hold_sync():
                self.gap.x = f32([at_x, at_x])
                self.gap.y = f32([negative[best], positive[best]])
            self.figure.title = title
        self.key.value = key_html(
            [
                (f"{positive_name} (positives)", POSITIVE_COLOUR, "line"),
                ("the rest (negatives)" if positive_name else "negatives", NEGATIVE_COLOUR, "line"),
                (f"KS = {statistic:.3f}", GUIDE_COLOUR, "line"),
                ("decision threshold", POINT_COLOUR, "dashed"),
            ],
            "xw-ks-chart-key",
        )

    def mark(self, threshold: float | None) -> None:
        with self.threshold.hold_sync():
            self.threshold.visible = threshold is not None
            if threshold is not None:
                self.threshold.x = f32([threshold, threshold])


class LiftChart:
    """Lift per group of samples ranked by score (bars), the cumulative lift (line), the baseline 1,
    and the share of samples at or above the decision threshold as a vertical line."""

    def __init__(self, width: int = 400, height: int = 340) -> None:
        self.x_scale = bq.LinearScale(min=0.0, max=1.0)
        self.y_scale = bq.LinearScale(min=0.0)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.bars = bq.Bars(
            x=np.zeros(1, np.float32), y=np.zeros(1, np.float32), scales=scales, colors=["#9ecae1"], padding=0.1
        )
        self.cumulative = bq.Lines(
            x=np.zeros(2, np.float32),
            y=np.zeros(2, np.float32),
            scales=scales,
            colors=["#08519c"],
            stroke_width=2,
            marker="circle",
            marker_size=20,
        )
        self.baseline = bq.Lines(
            x=np.array([0.0, 1.0], np.float32),
            y=np.array([1.0, 1.0], np.float32),
            scales=scales,
            colors=[GUIDE_COLOUR],
            line_style="dashed",
            stroke_width=1,
        )
        self.threshold = bq.Lines(
            x=np.zeros(2, np.float32),
            y=np.zeros(2, np.float32),
            scales=scales,
            colors=[POINT_COLOUR],
            line_style="dashed",
            stroke_width=2,
        )
        self.x_axis, self.y_axis = labelled_axes(
            self.x_scale, self.y_scale, "share of samples, highest scores first", "lift (positive rate / overall)"
        )
        self.x_axis.tick_values = PROBABILITY_TICKS
        self.figure = chart_figure(
            [self.bars, self.cumulative, self.baseline, self.threshold],
            [self.x_axis, self.y_axis],
            "Lift",
            width,
            height,
            "xw-lift-chart",
        )
        self.key = w.HTML(
            layout=w.Layout(max_width=f"{width}px"),
            value=key_html(
                [
                    ("lift per group", "#9ecae1", "line"),
                    ("cumulative lift", "#08519c", "line"),
                    ("no model (1)", GUIDE_COLOUR, "dashed"),
                    ("share at or above the threshold", POINT_COLOUR, "dashed"),
                ],
                "xw-lift-chart-key",
            ),
        )
        self.top = 1.0

    def show(self, fraction: np.ndarray, lift: np.ndarray, cumulative: np.ndarray, title: str) -> None:
        starts = np.concatenate([[0.0], fraction[:-1]])
        centres = (starts + fraction) / 2
        self.top = float(max(np.nanmax(lift), np.nanmax(cumulative), 1.0))
        with self.figure.hold_sync():
            set_value_axis(self.y_axis, self.y_scale, 0.0, self.top)
            with self.bars.hold_sync():
                self.bars.x, self.bars.y = f32(centres), f32(lift)
            with self.cumulative.hold_sync():
                self.cumulative.x, self.cumulative.y = f32(fraction), f32(cumulative)
            self.figure.title = title

    def mark(self, share: float | None) -> None:
        with self.threshold.hold_sync():
            self.threshold.visible = share is not None
            if share is not None:
                self.threshold.x = f32([share, share])
                self.threshold.y = f32([0.0, self.y_scale.max if self.y_scale.max is not None else self.top])


def report_table(report: dict[str, Any], class_names: Sequence[str], caption: str) -> str:
    """The per-class report (precision, recall, F1, support), its averages and the accuracy, as HTML."""
    cell = "padding:2px 10px;text-align:right;font-variant-numeric:tabular-nums"
    head = "".join(f"<th style='{cell}'>{name}</th>" for name in ("precision", "recall", "F1", "support"))
    rows = []
    for name in [*class_names, "macro avg", "weighted avg"]:
        row = report[name]
        style = " style='border-top:1px solid #ccc'" if name == "macro avg" else ""
        rows.append(
            f"<tr{style} data-class='{html.escape(name)}'><th style='{cell};text-align:left'>{html.escape(name)}</th>"
            + "".join(f"<td style='{cell}'>{row[k]:.3f}</td>" for k in ("precision", "recall", "f1"))
            + f"<td style='{cell}'>{int(row['support'])}</td></tr>"
        )
    rows.append(
        f"<tr data-class='accuracy'><th style='{cell};text-align:left'>accuracy</th>"
        f"<td style='{cell}' colspan='3'>{report['accuracy']:.3f}</td>"
        f"<td style='{cell}'>{int(report['macro avg']['support'])}</td></tr>"
    )
    return (
        "<div class='xw-report-table'>"
        f"<div style='font-weight:600;font-size:13px;margin:4px 0'>{html.escape(caption)}</div>"
        f"<table style='border-collapse:collapse;font-size:12px'><tr><th></th>{head}</tr>{''.join(rows)}</table></div>"
    )
