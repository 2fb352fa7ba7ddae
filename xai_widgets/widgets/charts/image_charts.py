"""bqplot charts of the image explorer: predicted probabilities (click a bar's column to explain
that class) and the attribution at the clicked pixel under each method and, for the gradient, per class."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from .axes import PROBABILITY_TICKS, TICK_FORMAT, name_margin, set_value_axis

_WIDTH = "340px"
_HEIGHT = "260px"
# bqplot writes the title's first line 1em under -top/2: with a 14 px title a top of 56 px keeps
# it clear of the top tick label (at 30 px "1.0" sat under the title).
_MARGIN = dict(top=56, bottom=40, left=70, right=10)
TITLE_STYLE = {"font-size": "14px"}
_DEFAULT = "#4c78a8"
_HIGHLIGHT = "#e45756"
_ERROR_BAR = "#222222"
_LET_CLICKS_THROUGH = "<style>.xw-prediction-chart path.line { pointer-events: none; }</style>"


def _bar_figure(
    title: str, value_label: str, tick_format: str = TICK_FORMAT, horizontal: bool = False
) -> tuple[bq.Figure, bq.Bars]:
    """A bar chart; ``horizontal`` puts the names on the left, where long ones (method names) fit
    written out instead of overlapping under narrow bars."""
    name_scale, value_scale = bq.OrdinalScale(), bq.LinearScale()
    bars = bq.Bars(
        x=[],
        y=[],
        scales={"x": name_scale, "y": value_scale},
        colors=[_DEFAULT],
        padding=0.2,
        orientation="horizontal" if horizontal else "vertical",
    )
    axes = [
        bq.Axis(scale=name_scale, orientation="vertical" if horizontal else "horizontal"),
        bq.Axis(
            scale=value_scale,
            orientation="horizontal" if horizontal else "vertical",
            label=value_label,
            tick_format=tick_format,
            label_offset="30px" if horizontal else "55px",
        ),
    ]
    layout = w.Layout(width=_WIDTH, height=_HEIGHT)
    # display_toolbar: bqplot 0.13's hover toolbar (pan-zoom, reset, save) sits over the title.
    figure = bq.Figure(
        marks=[bars],
        axes=axes,
        title=title,
        title_style=dict(TITLE_STYLE),
        fig_margin=dict(_MARGIN),
        layout=layout,
        display_toolbar=False,
    )
    return figure, bars


def _fit_names(figure: bq.Figure, labels: Sequence[str]) -> None:
    """Widen the left margin of a horizontal bar chart to its longest name."""
    left = name_margin(labels, minimum=_MARGIN["left"])
    if figure.fig_margin.get("left") != left:
        figure.fig_margin = {**figure.fig_margin, "left": left}


class PredictionChart:
    """The prediction as bars: the top-k class probabilities on a fixed 0-1 axis (or, with
    ``value_range=None``, regression outputs on an axis that follows them); a click anywhere in a
    bar's column calls ``on_pick(class_index)`` (``pickable=False``: the title does not invite it).

    A bar of a class with p near 0 is 0-1 px tall and cannot be hit, so an invisible full-height
    bar per class, drawn under the visible ones, takes the clicks of the whole column.
    With ``spread`` the chart is made for ``show(..., std=...)``: the bars are the mean over MC
    dropout samples or ensemble members and a dark line through each bar spans ±1 std (what they
    are is written in ``key``, under the chart; ``widget`` is the chart with its key). The lines
    let clicks through to the bars.
    """

    def __init__(
        self,
        class_names: Sequence[str],
        on_pick: Callable[[int], None],
        top_k: int = 5,
        value_label: str = "probability",
        value_range: tuple[float, float] | None = (0.0, 1.0),
        pickable: bool = True,
        spread: bool = False,
    ) -> None:
        self.class_names = list(class_names)
        self.pickable = pickable
        self.top_k = min(top_k, len(self.class_names))
        self.value_range = value_range
        probability = value_range == (0.0, 1.0)
        # The title is final from the start: bqplot can miss a title set while it first draws.
        self.figure, self.bars = _bar_figure(self._title(spread), value_label, ".1f" if probability else TICK_FORMAT)
        value_scale = self.bars.scales["y"]
        if value_range is not None:
            value_scale.min, value_scale.max = value_range
        if probability:
            # Fixed ticks: bqplot's own (0.05 apart) printed ".1f" as 0.6, 0.6, 0.5, 0.5.
            self.figure.axes[1].tick_values = PROBABILITY_TICKS
        self.columns = bq.Bars(
            x=[], y=[], scales=dict(self.bars.scales), colors=[_DEFAULT], opacities=[0.0], padding=0.0
        )
        self.error_bars = bq.Lines(
            x=np.zeros((0, 2), dtype="<U1"),
            y=np.zeros((0, 2)),
            scales=dict(self.bars.scales),
            colors=[_ERROR_BAR],
            stroke_width=2.5,
            visible=False,
        )
        self.figure.marks = [self.columns, self.bars, *([self.error_bars] if spread else [])]
        self.figure.add_class("xw-prediction-chart")
        self.key = w.HTML(layout=w.Layout(display="none", width=_WIDTH))
        self.key.add_class("xw-prediction-key")
        # The error bars run through the middle of the bars: clicks must reach the bar under them.
        # A style element of the chart's own (the explorers' bundle CSS is not loaded by every view).
        style = w.HTML(_LET_CLICKS_THROUGH, layout=w.Layout(display="none"))
        self.widget = w.VBox([self.figure, self.key, style])
        self._classes: list[int] = []
        self._on_pick = on_pick
        self.bars.on_element_click(self._clicked)
        self.columns.on_element_click(self._clicked)

    def show(self, values: np.ndarray, target: int, std: np.ndarray | None = None, key: str = "") -> None:
        """Bars of the top-k classes, sorted, with ``target`` among them and highlighted; with
        ``std`` (one per class) an error bar of ±1 std on each, and ``key`` saying what they show."""
        order = np.argsort(-values, kind="stable")[: self.top_k].tolist()
        if target not in order:
            order[-1] = target
        self._classes = order
        labels = [self.class_names[i] for i in order]
        heights = [float(values[i]) for i in order]
        if self.value_range is None:
            spread = [float(std[i]) if std is not None else 0.0 for i in order]
            low = min([0.0, *(h - s for h, s in zip(heights, spread, strict=True))])
            high = max([0.0, *(h + s for h, s in zip(heights, spread, strict=True))])
            set_value_axis(self.figure.axes[1], self.bars.scales["y"], low, high)
        # An ordinal scale keeps its first order unless told: set it, so bars sort by probability.
        self.bars.scales["x"].domain = labels
        with self.columns.hold_sync():
            self.columns.x = labels
            self.columns.y = [self._top()] * len(labels)
        with self.bars.hold_sync():
            self.bars.x = labels
            self.bars.y = heights
            self.bars.colors = [_HIGHLIGHT if i == target else _DEFAULT for i in order]
        self._show_error_bars(labels, heights, None if std is None else [float(std[i]) for i in order])
        self.figure.title = self._title(std is not None)
        self.key.value = f"<div style='font-size:11px;line-height:1.3'>{html.escape(key)}</div>" if key else ""
        self.key.layout.display = None if key else "none"

    def _title(self, spread: bool) -> str:
        return "Prediction" + (", mean ± 1 std" if spread else "") + (" (click a bar)" if self.pickable else "")

    def _top(self) -> float:
        scale = self.bars.scales["y"]
        return float(scale.max) if scale.max is not None else 1.0

    def _show_error_bars(self, labels: list[str], heights: list[float], spread: list[float] | None) -> None:
        if spread is None:
            self.error_bars.visible = False
            return
        if self.error_bars not in self.figure.marks:
            self.figure.marks = [*self.figure.marks, self.error_bars]
        low, high = self.value_range if self.value_range is not None else (-math.inf, math.inf)
        # A probability's ±1 std can pass 0 or 1: the line stops at the axis, as the value can.
        ends = [[max(h - s, low), min(h + s, high)] for h, s in zip(heights, spread, strict=True)]
        with self.error_bars.hold_sync():
            self.error_bars.x = np.array([[label, label] for label in labels])
            self.error_bars.y = np.array(ends, dtype=np.float64)
            self.error_bars.visible = True

    def _clicked(self, _bars: bq.Bars, event: dict) -> None:
        index = event.get("data", {}).get("index")
        if index is not None and 0 <= index < len(self._classes):
            self._on_pick(self._classes[index])


class PixelChart:
    """The attribution at the clicked pixel (summed over channels), one bar per method or class.

    ``horizontal`` draws the bars across with their names on the left (for long names such as
    methods); otherwise the names sit under upright bars (short ones such as classes).
    ``value_range`` fixes the value axis (say (-1, 1) for values relative to each map's maximum);
    None lets it follow the values.
    """

    def __init__(
        self,
        title: str,
        value_label: str,
        horizontal: bool = False,
        value_range: tuple[float, float] | None = None,
    ) -> None:
        self.horizontal = horizontal
        self.figure, self.bars = _bar_figure(title, value_label, horizontal=horizontal)
        self.value_range = value_range
        if value_range is not None:
            set_value_axis(self.figure.axes[1], self.bars.scales["y"], *value_range)

    def show(
        self,
        labels: Sequence[str],
        values: Sequence[float],
        highlight: int | None = None,
        title: str | None = None,
    ) -> None:
        """One bar per label; ``highlight`` indexes the bar drawn in the highlight colour;
        ``title``, when given, replaces the chart's title (to name the pixel shown)."""
        if title is not None:
            self.figure.title = title
        if self.horizontal:
            _fit_names(self.figure, labels)
        self.bars.scales["x"].domain = list(labels)
        if self.value_range is None:
            # The bars start at 0: the axis covers 0 and every value, with round ticks.
            floats = [float(v) for v in values if math.isfinite(float(v))]
            set_value_axis(self.figure.axes[1], self.bars.scales["y"], min([0.0, *floats]), max([0.0, *floats]))
        with self.bars.hold_sync():
            self.bars.x = list(labels)
            self.bars.y = [float(v) for v in values]
            self.bars.colors = [_HIGHLIGHT if i == highlight else _DEFAULT for i in range(len(labels))]
