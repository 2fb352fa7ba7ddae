"""bqplot charts of the evaluation views: deletion and insertion curves with a cursor, a histogram
of a map's values, and the similarity of randomised maps per method. Legends are HTML keys under
the plots, so they never cover the data; the numbers come from the kernel."""

from __future__ import annotations

import html
from collections.abc import Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from .axes import TICK_FORMAT, nice_ticks, set_value_axis

# One colour per method, in the order the methods are given (a colour-blind-safe palette).
METHOD_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#b279a2", "#72b7b2", "#9d755d", "#bab0ac")
DELETION_COLOUR = "#e45756"
INSERTION_COLOUR = "#4c78a8"
_CURSOR_COLOUR = "#333333"
_TITLE_STYLE = {"font-size": "13px"}
_MARGIN = dict(top=40, bottom=48, left=62, right=24)
_FRACTION_TICKS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


def method_colour(index: int) -> str:
    return METHOD_COLOURS[index % len(METHOD_COLOURS)]


def key_html(entries: Sequence[tuple[str, str]], css_class: str, dashed: Sequence[str] = ()) -> str:
    """HTML: a legend of coloured line samples and names, for under a chart."""
    items = []
    for name, colour in entries:
        style = "dashed" if name in dashed else "solid"
        items.append(
            f"<span style='white-space:nowrap;margin-right:12px'>"
            f"<span style='display:inline-block;width:18px;border-top:3px {style} {colour};"
            f"vertical-align:middle;margin-right:4px'></span>{html.escape(name)}</span>"
        )
    return f"<div class='{css_class}' style='font-size:11px;margin:0 0 4px {_MARGIN['left']}px'>{''.join(items)}</div>"


def _figure(marks: list, axes: list, title: str, width: int, height: int, css_class: str) -> bq.Figure:
    figure = bq.Figure(
        marks=marks,
        axes=axes,
        title=title,
        title_style=dict(_TITLE_STYLE),
        fig_margin=dict(_MARGIN),
        animation_duration=0,
        display_toolbar=False,
        layout=w.Layout(width=f"{width}px", height=f"{height}px"),
    )
    figure.add_class(css_class)
    return figure


class CurveChart:
    """The deletion and insertion curves of one map: the target output against the fraction of
    features changed, and a vertical cursor at the slider's column."""

    def __init__(self, width: int = 380, height: int = 280) -> None:
        self.x_scale = bq.LinearScale(min=0.0, max=1.0)
        self.y_scale = bq.LinearScale()
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.deletion = bq.Lines(x=[], y=[], scales=scales, colors=[DELETION_COLOUR], stroke_width=2.2)
        self.insertion = bq.Lines(x=[], y=[], scales=scales, colors=[INSERTION_COLOUR], stroke_width=2.2)
        unit = bq.LinearScale(min=0.0, max=1.0)
        self.cursor = bq.Lines(
            x=[0.0, 0.0],
            y=[0.0, 1.0],
            scales={"x": self.x_scale, "y": unit},
            colors=[_CURSOR_COLOUR],
            line_style="dashed",
            stroke_width=1.2,
        )
        self.x_axis = bq.Axis(
            scale=self.x_scale,
            label="fraction of features changed (highest-ranked first)",
            tick_values=_FRACTION_TICKS,
            tick_format=TICK_FORMAT,
        )
        self.y_axis = bq.Axis(
            scale=self.y_scale,
            orientation="vertical",
            label="target output",
            tick_format=TICK_FORMAT,
            label_offset="45px",
        )
        self.figure = _figure(
            [self.deletion, self.insertion, self.cursor],
            [self.x_axis, self.y_axis],
            "Deletion and insertion",
            width,
            height,
            "xw-eval-curves",
        )
        self.key = w.HTML(
            key_html(
                [("deletion: features → baseline", DELETION_COLOUR), ("insertion: features ← image", INSERTION_COLOUR)],
                "xw-eval-curves-key",
            )
        )

    def show(
        self,
        fractions: np.ndarray,
        deletion: np.ndarray | None,
        insertion: np.ndarray | None,
        title: str,
        value_label: str,
    ) -> None:
        """Each curve (len(fractions),) or None when it was not computed."""
        shown = [np.asarray(c, np.float64) for c in (deletion, insertion) if c is not None]
        finite = np.concatenate([c[np.isfinite(c)] for c in shown]) if shown else np.zeros(1)
        with self.figure.hold_sync():
            set_value_axis(self.y_axis, self.y_scale, float(finite.min(initial=0.0)), float(finite.max(initial=1.0)))
            for line, curve in ((self.deletion, deletion), (self.insertion, insertion)):
                with line.hold_sync():
                    line.x = np.asarray(fractions, np.float64) if curve is not None else []
                    line.y = np.asarray(curve, np.float64) if curve is not None else []
            self.y_axis.label = value_label
            self.figure.title = title

    def move_cursor(self, fraction: float) -> None:
        self.cursor.x = [float(fraction), float(fraction)]


class ValueHistogram:
    """How a map's values spread: counts of |value| / max |value| in even bins (sparseness and
    complexity read the map this way)."""

    def __init__(self, width: int = 380, height: int = 260, bins: int = 20) -> None:
        self.bins = bins
        self.x_scale, self.y_scale = bq.LinearScale(min=0.0, max=1.0), bq.LinearScale()
        self.bars = bq.Bars(
            x=[], y=[], scales={"x": self.x_scale, "y": self.y_scale}, colors=[METHOD_COLOURS[0]], padding=0.05
        )
        self.x_axis = bq.Axis(
            scale=self.x_scale,
            label="|value| / max |value| of the map",
            tick_values=_FRACTION_TICKS,
            tick_format=TICK_FORMAT,
        )
        self.y_axis = bq.Axis(
            scale=self.y_scale,
            orientation="vertical",
            label="features (count)",
            tick_format=TICK_FORMAT,
            label_offset="45px",
        )
        self.figure = _figure([self.bars], [self.x_axis, self.y_axis], "Map values", width, height, "xw-eval-histogram")
        self.counts = np.zeros(0)

    def show(self, values: np.ndarray, title: str) -> None:
        magnitude = np.abs(np.asarray(values, np.float64)).ravel()
        largest = magnitude.max(initial=0.0)
        shares = magnitude / largest if largest > 0 else magnitude
        self.counts, edges = np.histogram(shares, bins=self.bins, range=(0.0, 1.0))
        with self.figure.hold_sync():
            set_value_axis(self.y_axis, self.y_scale, 0.0, float(max(self.counts.max(initial=0), 1)))
            with self.bars.hold_sync():
                self.bars.x = (edges[:-1] + edges[1:]) / 2
                self.bars.y = self.counts.astype(np.float64)
            self.figure.title = title


class SimilarityChart:
    """The sanity check's curves: per method, the similarity of its map with the intact model's
    as layers are randomised from the output down (x: how many), with a cursor at the slider."""

    def __init__(self, similarity_label: str, width: int = 420, height: int = 300) -> None:
        self.x_scale, self.y_scale = bq.LinearScale(min=0.0, max=1.0), bq.LinearScale(min=-0.2, max=1.05)
        self.lines = bq.Lines(
            x=[], y=[], scales={"x": self.x_scale, "y": self.y_scale}, stroke_width=2.2, marker="circle", marker_size=24
        )
        unit = bq.LinearScale(min=0.0, max=1.0)
        self.cursor = bq.Lines(
            x=[0.0, 0.0],
            y=[0.0, 1.0],
            scales={"x": self.x_scale, "y": unit},
            colors=[_CURSOR_COLOUR],
            line_style="dashed",
            stroke_width=1.2,
        )
        self.x_axis = bq.Axis(scale=self.x_scale, label="layers randomised (from the output down)", tick_format="d")
        self.y_axis = bq.Axis(
            scale=self.y_scale,
            orientation="vertical",
            label=similarity_label,
            tick_format=TICK_FORMAT,
            label_offset="45px",
        )
        self.figure = _figure(
            [self.lines, self.cursor],
            [self.x_axis, self.y_axis],
            "Similarity to the intact model's map",
            width,
            height,
            "xw-sanity-curves",
        )
        self.key = w.HTML()

    def show(self, curves: dict[str, np.ndarray], colours: dict[str, str]) -> None:
        """``curves``: per method, the similarity after 0, 1, ... layers randomised."""
        names = list(curves)
        n_steps = max((len(c) for c in curves.values()), default=1)
        values = np.full((len(names), n_steps), np.nan)
        for row, name in enumerate(names):
            values[row, : len(curves[name])] = curves[name]
        finite = values[np.isfinite(values)]
        low = min(0.0, float(finite.min(initial=0.0)))
        with self.figure.hold_sync():
            ticks = nice_ticks(low, 1.0)
            with self.y_scale.hold_sync():
                self.y_scale.min, self.y_scale.max = ticks[0], 1.05
            self.y_axis.tick_values = ticks
            last = max(n_steps - 1, 1)
            with self.x_scale.hold_sync():
                self.x_scale.min, self.x_scale.max = -0.2, last + 0.2
            self.x_axis.tick_values = [float(v) for v in nice_ticks(0, last, min(last, 8)) if 0 <= v <= last]
            with self.lines.hold_sync():
                self.lines.x = np.arange(n_steps, dtype=np.float64)
                self.lines.y = values
                self.lines.colors = [colours[name] for name in names]
        self.key.value = key_html([(name, colours[name]) for name in names], "xw-sanity-key")

    def move_cursor(self, step: int) -> None:
        self.cursor.x = [float(step), float(step)]
