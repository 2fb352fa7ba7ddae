"""bqplot charts of the image explorer: predicted probabilities (click a bar's column to explain
that class) and the attribution at the clicked pixel under each method and, for the gradient, per class."""

from __future__ import annotations

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
    """Top-k class probabilities on a fixed 0-1 axis; a click anywhere in a bar's column calls
    ``on_pick(class_index)``.

    A bar of a class with p near 0 is 0-1 px tall and cannot be hit, so an invisible full-height
    bar per class, drawn under the visible ones, takes the clicks of the whole column.
    """

    def __init__(self, class_names: Sequence[str], on_pick: Callable[[int], None], top_k: int = 5) -> None:
        self.class_names = list(class_names)
        self.top_k = min(top_k, len(self.class_names))
        self.figure, self.bars = _bar_figure("Prediction (click a bar)", "probability", ".1f")
        value_scale = self.bars.scales["y"]
        value_scale.min, value_scale.max = 0.0, 1.0
        # Fixed ticks: bqplot's own (0.05 apart) printed ".1f" as 0.6, 0.6, 0.5, 0.5.
        self.figure.axes[1].tick_values = PROBABILITY_TICKS
        self.columns = bq.Bars(
            x=[], y=[], scales=dict(self.bars.scales), colors=[_DEFAULT], opacities=[0.0], padding=0.0
        )
        self.figure.marks = [self.columns, self.bars]
        self._classes: list[int] = []
        self._on_pick = on_pick
        self.bars.on_element_click(self._clicked)
        self.columns.on_element_click(self._clicked)

    def show(self, probabilities: np.ndarray, target: int) -> None:
        """Bars of the top-k classes, sorted, with ``target`` among them and highlighted."""
        order = np.argsort(-probabilities)[: self.top_k].tolist()
        if target not in order:
            order[-1] = target
        self._classes = order
        labels = [self.class_names[i] for i in order]
        # An ordinal scale keeps its first order unless told: set it, so bars sort by probability.
        self.bars.scales["x"].domain = labels
        with self.columns.hold_sync():
            self.columns.x = labels
            self.columns.y = [1.0] * len(labels)
        with self.bars.hold_sync():
            self.bars.x = labels
            self.bars.y = [float(probabilities[i]) for i in order]
            self.bars.colors = [_HIGHLIGHT if i == target else _DEFAULT for i in order]

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
