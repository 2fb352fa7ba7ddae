"""bqplot charts of the tabular views: the data-set scatter, attribution bars per feature, the
summary (beeswarm-like) plot and the feature sweep chart. They only draw what they are given: numbers
come from the kernel, arrays go to bqplot as numpy (sent as binary buffers, not JSON lists)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

_POSITIVE = "#d6604d"
_NEGATIVE = "#4393c3"
_NEUTRAL = "#4c78a8"
_MARGIN = dict(top=30, bottom=45, left=60, right=15)


def _figure(marks, axes, title: str, width: int, height: int, margin: dict | None = None) -> bq.Figure:
    return bq.Figure(
        marks=marks,
        axes=axes,
        title=title,
        fig_margin=margin or _MARGIN,
        animation_duration=0,
        title_style={"font-size": "13px"},
        layout=w.Layout(width=f"{width}px", height=f"{height}px"),
    )


def _f32(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float32)


class DataScatter:
    """The data set as points (two chosen columns); clicking one calls ``on_pick(index)``."""

    def __init__(self, colour: np.ndarray, colour_label: str, on_pick: Callable[[int], None]) -> None:
        self.x_scale, self.y_scale = bq.LinearScale(), bq.LinearScale()
        colour_scale = bq.ColorScale(scheme="viridis")
        self.scatter = bq.Scatter(
            x=np.zeros(len(colour), np.float32),
            y=np.zeros(len(colour), np.float32),
            color=_f32(colour),
            scales={"x": self.x_scale, "y": self.y_scale, "color": colour_scale},
            default_size=28,
            stroke="white",
            stroke_width=0.5,
            selected_style={"opacity": 1.0, "stroke": "black", "stroke-width": 3},
            unselected_style={"opacity": 0.55},
        )
        self.x_axis = bq.Axis(scale=self.x_scale, label="", tick_format=".2~g")
        self.y_axis = bq.Axis(
            scale=self.y_scale, orientation="vertical", label="", tick_format=".2~g", label_offset="40px"
        )
        colour_axis = bq.ColorAxis(
            scale=colour_scale,
            label=colour_label,
            side="right",
            orientation="vertical",
            num_ticks=4,
            tick_format=".2~g",
        )
        margin = dict(top=30, bottom=45, left=55, right=70)
        self.figure = _figure(
            [self.scatter], [self.x_axis, self.y_axis, colour_axis], "Data set (click a point)", 400, 330, margin
        )
        self.figure.add_class("xw-data-scatter")
        self._on_pick = on_pick
        self.scatter.on_element_click(self._clicked)

    def show(self, x: np.ndarray, y: np.ndarray, x_label: str, y_label: str) -> None:
        with self.scatter.hold_sync():
            self.scatter.x, self.scatter.y = _f32(x), _f32(y)
        self.x_axis.label, self.y_axis.label = x_label, y_label

    def select(self, index: int) -> None:
        self.scatter.selected = [int(index)]

    def _clicked(self, _mark: bq.Scatter, event: dict) -> None:
        index = event.get("data", {}).get("index")
        if index is not None:
            self._on_pick(int(index))


class FeatureBars:
    """One bar per feature, red for positive and blue for negative values."""

    def __init__(
        self,
        title: str,
        feature_names: Sequence[str],
        css_class: str,
        y_label: str = "attribution",
        width: int = 300,
        height: int = 250,
    ) -> None:
        self.feature_names = list(feature_names)
        x_scale, self.y_scale = bq.OrdinalScale(domain=self.feature_names), bq.LinearScale()
        self.bars = bq.Bars(
            x=self.feature_names,
            y=np.zeros(len(self.feature_names), np.float32),
            scales={"x": x_scale, "y": self.y_scale},
            colors=[_NEUTRAL],
            padding=0.15,
        )
        axes = [
            bq.Axis(scale=x_scale, tick_rotate=-40, tick_style={"font-size": "10px"}),
            bq.Axis(scale=self.y_scale, orientation="vertical", label=y_label, tick_format=".2~g", label_offset="45px"),
        ]
        margin = dict(top=30, bottom=60, left=60, right=10)
        self.figure = _figure([self.bars], axes, title, width, height, margin)
        self.figure.add_class("xw-feature-bars")
        self.figure.add_class(css_class)
        self.values = np.zeros(len(self.feature_names), np.float32)

    def show(self, values: np.ndarray, title: str | None = None) -> None:
        self.values = _f32(values)
        with self.bars.hold_sync():
            self.bars.y = self.values
            self.bars.colors = [_POSITIVE if v >= 0 else _NEGATIVE for v in self.values.tolist()]
        if title is not None and title != self.figure.title:
            self.figure.title = title

    def clear(self, title: str) -> None:
        self.show(np.zeros(len(self.feature_names), np.float32), title)


class SummaryPlot:
    """Per feature, each sample's attribution (x) in the feature's row (y, most important on top),
    coloured by the feature's value: the summary plot SHAP users know."""

    def __init__(self) -> None:
        self.x_scale = bq.LinearScale()
        self.y_scale = bq.LinearScale()
        colour_scale = bq.ColorScale(colors=[_NEGATIVE, "#f7f7f7", _POSITIVE], min=0.0, max=1.0)
        self.scatter = bq.Scatter(
            x=np.zeros(0, np.float32),
            y=np.zeros(0, np.float32),
            color=np.zeros(0, np.float32),
            scales={"x": self.x_scale, "y": self.y_scale, "color": colour_scale},
            default_size=12,
            stroke="#777",
            stroke_width=0.3,
        )
        self.y_axis = self._row_axis({})
        colour_axis = bq.ColorAxis(
            scale=colour_scale,
            label="feature value",
            side="right",
            orientation="vertical",
            tick_values=np.array([0.0, 1.0]),
            tick_labels={"0": "low", "1": "high"},
            tick_format=".0f",
        )
        axes = [bq.Axis(scale=self.x_scale, label="attribution", tick_format=".2~g"), self.y_axis, colour_axis]
        margin = dict(top=30, bottom=45, left=90, right=70)
        self.figure = _figure([self.scatter], axes, "Summary: attribution per sample", 520, 330, margin)
        self.figure.add_class("xw-summary-plot")

    def show(self, x: np.ndarray, rows: np.ndarray, colour: np.ndarray, row_names: Sequence[str], title: str) -> None:
        """``rows`` are row positions (0 = top) with jitter already added; ``colour`` in [0, 1]."""
        n_rows = len(row_names)
        # Row 0 on top: a linear scale grows upwards, so draw row r at height n - 1 - r.
        self.y_scale.min, self.y_scale.max = -0.6, n_rows - 0.4
        with self.scatter.hold_sync():
            self.scatter.x, self.scatter.y, self.scatter.color = _f32(x), _f32(n_rows - 1 - rows), _f32(colour)
        labels = {str(n_rows - 1 - r): name for r, name in enumerate(row_names)}
        if labels != self.y_axis.tick_labels:
            # A new axis born with its labels: an axis whose tick_labels change later shows
            # plain numbers again after the figure is resized (seen with bqplot 0.13).
            old, self.y_axis = self.y_axis, self._row_axis(labels)
            with self.figure.hold_sync():
                self.figure.axes = [self.y_axis if axis is old else axis for axis in self.figure.axes]
                self.figure.title = title
            old.close()
        else:
            self.figure.title = title

    def _row_axis(self, labels: dict) -> bq.Axis:
        return bq.Axis(
            scale=self.y_scale,
            orientation="vertical",
            tick_values=np.arange(len(labels), dtype=np.float64),
            tick_labels=labels,
            tick_format=".0f",
            tick_style={"font-size": "10px"},
            grid_lines="none",
        )


class FeatureSweepChart:
    """The sweep of one feature: ICE of the sample, partial dependence, sensitivity (right axis),
    and a vertical cursor with a dot on the ICE curve at the slider value."""

    def __init__(self) -> None:
        self.x_scale, self.y_scale, self.slope_scale = bq.LinearScale(), bq.LinearScale(), bq.LinearScale()
        # The cursor spans the plot whatever the curves' range: it has its own 0..1 scale.
        unit = bq.LinearScale(min=0.0, max=1.0)
        empty = np.zeros(0, np.float32)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.ice = bq.Lines(x=empty, y=empty, scales=scales, colors=[_NEUTRAL], stroke_width=2.5)
        self.pd = bq.Lines(x=empty, y=empty, scales=scales, colors=["#f58518"], line_style="dashed", stroke_width=2)
        self.slope = bq.Lines(
            x=empty,
            y=empty,
            scales={"x": self.x_scale, "y": self.slope_scale},
            colors=["#54a24b"],
            line_style="dotted",
            stroke_width=2,
        )
        self.cursor = bq.Lines(
            x=np.zeros(2, np.float32),
            y=np.array([0.0, 1.0], np.float32),
            scales={"x": self.x_scale, "y": unit},
            colors=["#333333"],
            stroke_width=1.5,
        )
        self.dot = bq.Scatter(
            x=np.zeros(1, np.float32), y=np.zeros(1, np.float32), scales=scales, colors=["#333333"], default_size=40
        )
        axes = [
            bq.Axis(scale=self.x_scale, label="feature value", tick_format=".2~g"),
            bq.Axis(
                scale=self.y_scale, orientation="vertical", label="output", tick_format=".2~g", label_offset="45px"
            ),
            bq.Axis(
                scale=self.slope_scale,
                orientation="vertical",
                side="right",
                label="d output / d feature",
                tick_format=".2~g",
                label_color="#54a24b",
                color="#54a24b",
                grid_lines="none",
                label_offset="45px",
            ),
        ]
        margin = dict(top=30, bottom=45, left=60, right=65)
        self.figure = _figure([self.pd, self.ice, self.slope, self.cursor, self.dot], axes, "Sweep", 620, 320, margin)
        self.figure.add_class("xw-sweep-chart")
        self._grid = np.zeros(0, np.float32)
        self._ice = np.zeros(0, np.float32)

    # A legend inside the plot hides the curves; this key goes under the chart instead.
    KEY = (
        "<span style='font-size:11px'><span style='color:#4c78a8'>&#9473; ICE (this sample)</span> &nbsp;"
        "<span style='color:#f58518'>&#9476; partial dependence</span> &nbsp;"
        "<span style='color:#54a24b'>&#8943; sensitivity (right axis)</span> &nbsp;"
        "<span style='color:#333'>| slider value</span></span>"
    )

    def show(self, grid: np.ndarray, ice: np.ndarray, pd: np.ndarray, slope: np.ndarray, title: str) -> None:
        self._grid, self._ice = _f32(grid), _f32(ice)
        self.x_scale.min, self.x_scale.max = float(self._grid[0]), float(self._grid[-1])
        with self.figure.hold_sync():
            for mark, values in ((self.ice, ice), (self.pd, pd), (self.slope, slope)):
                with mark.hold_sync():
                    mark.x, mark.y = self._grid, _f32(values)
            self.figure.title = title

    def move_cursor(self, value: float) -> None:
        with self.cursor.hold_sync():
            self.cursor.x = np.array([value, value], np.float32)
        if len(self._grid):
            # Read off the drawn curve (display only): the model's value at the cursor comes with the bars.
            with self.dot.hold_sync():
                self.dot.x = np.array([value], np.float32)
                self.dot.y = np.array([np.interp(value, self._grid, self._ice)], np.float32)
