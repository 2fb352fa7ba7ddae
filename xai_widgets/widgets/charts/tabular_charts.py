"""bqplot charts of the tabular views: the data-set scatter, attribution bars per feature, the
summary (beeswarm-like) plot and the feature sweep chart. They only draw what they are given: numbers
come from the kernel, arrays go to bqplot as numpy (sent as binary buffers, not JSON lists)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from .axes import TICK_FORMAT, name_margin, set_value_axis

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


# Opacity of the points outside a linked view's selection.
FADED_OPACITY = 0.15


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

    def highlight(self, indices: Sequence[int]) -> None:
        """Ring the points of ``indices`` (a selection from a linked view) in orange, on top of the
        others, which fade (so the chart shows the selection, with the rest of the data set as
        context); empty: no rings, nothing faded. The rings follow the points when the axes
        change, and a click on a ring picks its sample."""
        self.highlighted = np.asarray(list(indices), dtype=np.int64)
        n_points = len(self.scatter.color)
        if self.highlighted.size:
            opacities = np.full(n_points, FADED_OPACITY)
            opacities[self.highlighted] = 1.0
            self.scatter.opacities = opacities.tolist()
        else:
            self.scatter.opacities = []
        ring = getattr(self, "ring", None)
        if ring is None:
            self.ring = ring = bq.Scatter(
                x=np.zeros(0, np.float32),
                y=np.zeros(0, np.float32),
                scales={"x": self.x_scale, "y": self.y_scale},
                colors=["#e6550d"],
                fill=False,
                stroke_width=2.5,
                default_size=70,
            )
            ring.on_element_click(self._ring_clicked)
            self.figure.marks = [*self.figure.marks, ring]
            self.scatter.observe(self._follow, names=["x", "y"])
        self._follow()

    def _follow(self, _change: dict | None = None) -> None:
        with self.ring.hold_sync():
            self.ring.x = _f32(np.asarray(self.scatter.x)[self.highlighted])
            self.ring.y = _f32(np.asarray(self.scatter.y)[self.highlighted])

    def _ring_clicked(self, _mark: bq.Scatter, event: dict) -> None:
        index = event.get("data", {}).get("index")
        if index is not None and 0 <= int(index) < self.highlighted.size:
            self._on_pick(int(self.highlighted[int(index)]))


def fit_value_axis(axis: bq.Axis, scale: bq.LinearScale, values: np.ndarray, include_zero: bool = True) -> None:
    """Round ticks around the finite ``values`` (and 0) on ``axis``, its scale fixed to the end
    ticks (:func:`~.axes.set_value_axis`; the axis keeps its one format, so it is never swapped)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    set_value_axis(axis, scale, low, high)


def format_value(value: float) -> str:
    """A feature's value for a label: 4 significant digits, no trailing zeros ("31.2", "2", "0.0489")."""
    return f"{float(value):.4g}"


class FeatureBars:
    """One horizontal bar per feature, sorted by |value| (largest on top), red for positive and blue
    for negative values; the names (with the feature's value, when given: "bmi = 31.2") are written
    left of the plot, where they never collide with a bar or with each other.

    ``sort_by_magnitude=False`` keeps the features in their own order: for bars redrawn while a
    slider is dragged, where re-sorting would shuffle the rows under the user's eye and re-lay out
    the name axis at every move.
    """

    def __init__(
        self,
        title: str,
        feature_names: Sequence[str],
        css_class: str,
        y_label: str = "attribution",
        width: int = 220,
        height: int | None = None,
        with_values: bool = True,
        sort_by_magnitude: bool = True,
    ) -> None:
        self.feature_names = list(feature_names)
        self.sort_by_magnitude = sort_by_magnitude
        self.plot_width = width
        # On a vertical axis bqplot draws an ordinal domain's first label at the bottom: the domain
        # is set in reverse (see show), so the largest |value| is on top.
        self.name_scale, self.y_scale = bq.OrdinalScale(), bq.LinearScale()
        self.bars = bq.Bars(
            x=list(self.feature_names),
            y=np.zeros(len(self.feature_names), np.float32),
            scales={"x": self.name_scale, "y": self.y_scale},
            colors=[_NEUTRAL],
            padding=0.2,
            orientation="horizontal",
        )
        self.name_scale.domain = self.feature_names[::-1]
        self.name_axis = bq.Axis(
            scale=self.name_scale, orientation="vertical", tick_style={"font-size": "11px"}, grid_lines="none"
        )
        self.value_axis = bq.Axis(
            scale=self.y_scale,
            orientation="horizontal",
            label=y_label,
            label_offset="32px",
            tick_format=TICK_FORMAT,
        )
        fit_value_axis(self.value_axis, self.y_scale, np.array([0.0, 1.0]))
        rows = len(self.feature_names)
        height = height if height is not None else max(200, 75 + 20 * rows)
        # Room for "name = 12345.6" from the start: a figure re-margined after it is drawn may keep
        # its first size in the page (show still widens it for a longer label).
        self.margin = dict(
            top=30,
            bottom=45,
            left=name_margin([f"{n} = -0.00001234" if with_values else n for n in self.feature_names]),
            right=28,
        )
        self.figure = _figure(
            [self.bars], [self.name_axis, self.value_axis], title, self.margin["left"] + width, height, self.margin
        )
        self.figure.add_class("xw-feature-bars")
        self.figure.add_class(css_class)
        self.values = np.zeros(len(self.feature_names), np.float32)
        self.labels = list(self.feature_names)

    def show(self, values: np.ndarray, title: str | None = None, feature_values: np.ndarray | None = None) -> None:
        """Draw ``values`` (one per feature, in feature order) sorted by |value|; ``feature_values``
        (in the units to show) label each bar "name = value"."""
        self.values = _f32(values)
        if self.sort_by_magnitude:
            order = np.argsort(-np.abs(self.values), kind="stable")
        else:
            order = np.arange(len(self.values))
        names = [self.feature_names[i] for i in order]
        if feature_values is None:
            labels = names
        else:
            shown = np.asarray(feature_values, dtype=np.float64)
            labels = [f"{self.feature_names[i]} = {format_value(shown[i])}" for i in order]
        sorted_values = self.values[order]
        self.labels = labels
        left = name_margin(labels)
        with self.figure.hold_sync():
            if left > self.margin["left"]:
                self.margin = {**self.margin, "left": left}
                self.figure.fig_margin = dict(self.margin)
                self.figure.layout.width = f"{left + self.plot_width}px"
            if not self._axis_still_fits(sorted_values):
                fit_value_axis(self.value_axis, self.y_scale, sorted_values)
            self.name_scale.domain = labels[::-1]
            with self.bars.hold_sync():
                self.bars.x = labels
                self.bars.y = sorted_values
                self.bars.colors = [_POSITIVE if v >= 0 else _NEGATIVE for v in sorted_values.tolist()]
            if title is not None and title != self.figure.title:
                self.figure.title = title

    def clear(self, title: str) -> None:
        self.show(np.zeros(len(self.feature_names), np.float32), title)

    def _axis_still_fits(self, values: np.ndarray) -> bool:
        """Whether the drawn axis still shows ``values`` well: all inside it and spanning at least
        half of it. Bars redrawn at every slider move then keep their axis (refitting swaps ticks,
        and at times the whole axis, which the page must lay out again)."""
        low, high = self.y_scale.min, self.y_scale.max
        if low is None or high is None or not np.all(np.isfinite(values)):
            return False
        extent_low, extent_high = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
        inside = low <= extent_low and extent_high <= high
        return inside and (extent_high - extent_low) >= 0.5 * (high - low)


class Waterfall:
    """SHAP's waterfall: from the base value E[f(x)] (top) through one step per feature, largest
    |attribution| first, to the model's output f(x) (bottom). Steps that are not feature
    attributions (the gap to a method's reference output, a residual) are drawn in grey and
    named. Each row is a thick line from where the running sum was to where it goes."""

    def __init__(self, feature_names: Sequence[str] = (), css_class: str = "xw-waterfall", width: int = 300) -> None:
        self.x_scale, self.y_scale = bq.LinearScale(), bq.LinearScale()
        self.segments = bq.Lines(
            x=np.zeros((1, 2), np.float32),
            y=np.zeros((1, 2), np.float32),
            scales={"x": self.x_scale, "y": self.y_scale},
            colors=[_NEUTRAL],
            stroke_width=11,
        )
        self.x_axis = bq.Axis(scale=self.x_scale, label="model output", label_offset="32px", tick_format=TICK_FORMAT)
        self.y_axis = self._row_axis({})
        self.plot_width = width
        # Sized once for its rows and their longest possible label ("name = 123.4: +0.0123"): a
        # bqplot figure resized or re-margined after it is drawn kept its first size in the page.
        longest = max([len(str(name)) + 22 for name in feature_names] + [32])
        left = name_margin(["x" * longest])
        rows = len(feature_names) + 4
        self.margin = dict(top=30, bottom=45, left=left, right=28)
        height = max(220, 75 + 22 * rows)
        self.figure = _figure(
            [self.segments], [self.x_axis, self.y_axis], "Waterfall", left + width, height, self.margin
        )
        self.figure.add_class("xw-waterfall")
        if css_class != "xw-waterfall":
            self.figure.add_class(css_class)
        self.rows: list[tuple[str, float, float]] = []

    def show(self, rows: Sequence[tuple[str, float, float, str]], title: str) -> None:
        """``rows``: (label, start, end, colour) from top to bottom."""
        self.rows = [(label, float(start), float(end)) for label, start, end, _ in rows]
        n = len(rows)
        starts = np.array([r[1] for r in rows], np.float64)
        ends = np.array([r[2] for r in rows], np.float64)
        heights = (n - 1 - np.arange(n)).astype(np.float64)
        labels = {str(n - 1 - r): label for r, (label, *_rest) in enumerate(rows)}
        with self.figure.hold_sync():
            fit_value_axis(self.x_axis, self.x_scale, np.concatenate([starts, ends]), include_zero=False)
            self.y_scale.min, self.y_scale.max = -0.6, n - 0.4
            with self.segments.hold_sync():
                self.segments.x = np.stack([starts, ends], 1)
                self.segments.y = np.stack([heights, heights], 1)
                self.segments.colors = [colour for *_rest, colour in rows]
            if labels != self.y_axis.tick_labels:
                old, self.y_axis = self.y_axis, self._row_axis(labels)
                self.figure.axes = [self.y_axis if axis is old else axis for axis in self.figure.axes]
                old.close()
            self.figure.title = title

    def _row_axis(self, labels: dict) -> bq.Axis:
        return bq.Axis(
            scale=self.y_scale,
            orientation="vertical",
            tick_values=np.array(sorted(float(k) for k in labels), dtype=np.float64),
            tick_labels=labels,
            tick_format=".0f",
            tick_style={"font-size": "11px"},
            grid_lines="none",
        )


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
        self.x_axis = bq.Axis(scale=self.x_scale, label="feature value", tick_format=".2~g")
        axes = [
            self.x_axis,
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

    def show(
        self,
        grid: np.ndarray,
        ice: np.ndarray,
        pd: np.ndarray,
        slope: np.ndarray,
        title: str,
        x_label: str = "feature value",
    ) -> None:
        """``grid`` in the units the x axis shows (the sweep panel converts standardised values to
        original units when it knows them); ``x_label`` names the axis and its units."""
        self._grid, self._ice = _f32(grid), _f32(ice)
        self.x_scale.min, self.x_scale.max = float(self._grid[0]), float(self._grid[-1])
        with self.figure.hold_sync():
            self.x_axis.label = x_label
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
