"""bqplot charts of the explorer: predicted probabilities (click a bar to explain that class) and
the attribution at the clicked pixel under each method and, for the gradient, per class."""

from __future__ import annotations

from typing import Callable, Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

_FIGURE_LAYOUT = dict(width="340px", height="230px")
_MARGIN = dict(top=30, bottom=60, left=70, right=10)
_DEFAULT = "#4c78a8"
_HIGHLIGHT = "#e45756"


def _bar_figure(title: str, y_label: str, tick_format: str = ".2~g") -> tuple[bq.Figure, bq.Bars]:
    x_scale, y_scale = bq.OrdinalScale(), bq.LinearScale()
    bars = bq.Bars(x=[], y=[], scales={"x": x_scale, "y": y_scale}, colors=[_DEFAULT], padding=0.2)
    axes = [
        bq.Axis(scale=x_scale, tick_rotate=-30, tick_style={"font-size": "10px"}),
        bq.Axis(scale=y_scale, orientation="vertical", label=y_label, tick_format=tick_format, label_offset="55px"),
    ]
    figure = bq.Figure(marks=[bars], axes=axes, title=title, fig_margin=_MARGIN, layout=w.Layout(**_FIGURE_LAYOUT))
    return figure, bars


class PredictionChart:
    """Top-k class probabilities; clicking a bar calls ``on_pick(class_index)``."""

    def __init__(self, class_names: Sequence[str], on_pick: Callable[[int], None], top_k: int = 5) -> None:
        self.class_names = list(class_names)
        self.top_k = min(top_k, len(self.class_names))
        self.figure, self.bars = _bar_figure("Prediction (click a bar)", "probability", ".1f")
        self.bars.y_scale = None
        self._classes: list[int] = []
        self._on_pick = on_pick
        self.bars.on_element_click(self._clicked)

    def show(self, probabilities: np.ndarray, target: int) -> None:
        order = np.argsort(-probabilities)[: self.top_k].tolist()
        if target not in order:
            order[-1] = target
        self._classes = order
        labels = [self.class_names[i] for i in order]
        # An ordinal scale keeps its first order unless told: set it, so bars sort by probability.
        self.bars.scales["x"].domain = labels
        with self.bars.hold_sync():
            self.bars.x = labels
            self.bars.y = [float(probabilities[i]) for i in order]
            self.bars.colors = [_HIGHLIGHT if i == target else _DEFAULT for i in order]

    def _clicked(self, _bars: bq.Bars, event: dict) -> None:
        index = event.get("data", {}).get("index")
        if index is not None and 0 <= index < len(self._classes):
            self._on_pick(self._classes[index])


class PixelChart:
    """The attribution at the clicked pixel (summed over channels), one bar per method or class."""

    def __init__(self, title: str, y_label: str) -> None:
        self.figure, self.bars = _bar_figure(title, y_label)

    def show(self, labels: Sequence[str], values: Sequence[float], highlight: int | None = None) -> None:
        self.bars.scales["x"].domain = list(labels)
        with self.bars.hold_sync():
            self.bars.x = list(labels)
            self.bars.y = [float(v) for v in values]
            self.bars.colors = [_HIGHLIGHT if i == highlight else _DEFAULT for i in range(len(labels))]
