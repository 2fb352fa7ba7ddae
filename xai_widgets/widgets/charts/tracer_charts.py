"""bqplot charts of the NetworkTracer: a dense layer's units as clickable bars, the weights
flowing into a unit, its contributions downstream, and its layer's activation function over the
pre-activation histogram."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from .axes import TICK_FORMAT, set_value_axis
from .image_charts import TITLE_STYLE

_MARGIN = dict(top=50, bottom=48, left=64, right=16)
_DEFAULT = "#4c78a8"
_HIGHLIGHT = "#e45756"
_SECOND = "#f58518"


def _figure(title: str, marks: list, axes: list, width: int = 330, height: int = 250, **kwargs) -> bq.Figure:
    # display_toolbar off: bqplot's hover toolbar sits over the title.
    return bq.Figure(
        marks=marks,
        axes=axes,
        title=title,
        title_style=dict(TITLE_STYLE),
        fig_margin=dict(_MARGIN),
        layout=w.Layout(width=f"{width}px", height=f"{height}px"),
        display_toolbar=False,
        **kwargs,
    )


class UnitBars:
    """A dense layer's units for the selected input as vertical bars; a click on a bar calls
    ``on_pick(unit)``; the selected unit's bar is red."""

    def __init__(self, title: str, n_units: int, on_pick: Callable[[int], None], value_label: str) -> None:
        x_scale, y_scale = bq.OrdinalScale(), bq.LinearScale()
        self.bars = bq.Bars(x=[], y=[], scales={"x": x_scale, "y": y_scale}, colors=[_DEFAULT], padding=0.15)
        self.value_axis = bq.Axis(
            scale=y_scale, orientation="vertical", label=value_label, tick_format=TICK_FORMAT, label_offset="45px"
        )
        # Many units: no tick per unit (their labels would collide); the hover readout names them.
        unit_axis = bq.Axis(scale=x_scale, label="unit", num_ticks=0 if n_units > 12 else None)
        self.figure = _figure(title, [self.bars], [unit_axis, self.value_axis], width=260, height=230)
        self.figure.add_class("xw-tracer-bars")
        self.bars.tooltip = bq.Tooltip(fields=["x", "y"], labels=["unit", value_label], formats=["", ".3g"])
        self._on_pick = on_pick
        self.bars.on_element_click(lambda _bars, event: on_pick(int(event["data"]["index"])))

    def show(self, values: np.ndarray, selected: int | None) -> None:
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        set_value_axis(self.value_axis, self.bars.scales["y"], min(0.0, values.min()), max(0.0, values.max()))
        with self.bars.hold_sync():
            self.bars.x = np.arange(values.size)
            self.bars.y = values
            self.bars.colors = [_HIGHLIGHT if i == selected else _DEFAULT for i in range(values.size)]


class WeightsInChart:
    """The weights flowing into the selected unit: a Linear unit's weight row as bars (one per
    input), a Conv channel's kernels as tiles (one per input channel, side by side)."""

    def __init__(self) -> None:
        self.color_scale = bq.ColorScale(scheme="RdBu", mid=0.0, reverse=True)
        row_scale, column_scale = bq.OrdinalScale(reverse=True), bq.OrdinalScale()
        self.heatmap = bq.GridHeatMap(
            color=np.zeros((1, 1)), scales={"row": row_scale, "column": column_scale, "color": self.color_scale}
        )
        self.column_axis = bq.Axis(scale=column_scale, label="input channel kernels", num_ticks=0)
        heat_axes = [
            self.column_axis,
            bq.Axis(scale=row_scale, orientation="vertical", label="kernel row", num_ticks=0),
            bq.ColorAxis(scale=self.color_scale, orientation="vertical", side="right", label="weight"),
        ]
        x_scale, y_scale = bq.OrdinalScale(), bq.LinearScale()
        self.bars = bq.Bars(x=[], y=[], scales={"x": x_scale, "y": y_scale}, padding=0.1)
        self.value_axis = bq.Axis(
            scale=y_scale, orientation="vertical", label="weight", tick_format=TICK_FORMAT, label_offset="45px"
        )
        self.figure = _figure("Weights into the unit", [self.heatmap], heat_axes, width=360)
        self.figure.fig_margin = {**_MARGIN, "right": 70}
        self._heat_axes = heat_axes
        self._bar_axes = [bq.Axis(scale=x_scale, label="input unit", num_ticks=0), self.value_axis]
        self.figure.add_class("xw-tracer-weights")

    def show_tiles(self, title: str, tiles: np.ndarray) -> None:
        """``tiles`` (in, kh, kw): side by side, a line of zeros (neutral) between them."""
        n_in, height, width = tiles.shape
        mosaic = np.zeros((height, n_in * (width + 1) - 1))
        for channel in range(n_in):
            mosaic[:, channel * (width + 1) : channel * (width + 1) + width] = tiles[channel]
        limit = float(np.abs(tiles).max()) or 1.0
        self.column_axis.label = f"{n_in} input channels' {height}x{width} kernels"
        with self.figure.hold_sync():
            self.color_scale.min, self.color_scale.max = -limit, limit
            self.heatmap.color = mosaic
            self.figure.marks, self.figure.axes = [self.heatmap], self._heat_axes
            self.figure.title = title

    def show_row(self, title: str, row: np.ndarray) -> None:
        row = np.asarray(row, dtype=np.float64)
        set_value_axis(self.value_axis, self.bars.scales["y"], min(0.0, row.min()), max(0.0, row.max()))
        with self.figure.hold_sync():
            self.bars.x, self.bars.y = np.arange(row.size), row
            self.bars.colors = [_HIGHLIGHT if value >= 0 else _DEFAULT for value in row]
            self.figure.marks, self.figure.axes = [self.bars], self._bar_axes
            self.figure.title = title

    def clear(self, title: str) -> None:
        with self.figure.hold_sync():
            self.heatmap.color = np.zeros((1, 1))
            self.figure.marks, self.figure.axes = [self.heatmap], self._heat_axes
            self.figure.title = title


class ContributionChart:
    """Grouped bars over downstream units: one series per kind of contribution, with a legend."""

    def __init__(self, title: str, x_label: str, value_label: str, series: Sequence[str], css_class: str) -> None:
        x_scale, y_scale = bq.OrdinalScale(), bq.LinearScale()
        colors = [_DEFAULT, _SECOND][: len(series)]
        self.bars = bq.Bars(
            x=[],
            y=[],
            scales={"x": x_scale, "y": y_scale},
            type="grouped",
            colors=colors,
            labels=list(series),
            display_legend=len(series) > 1,
            padding=0.15,
        )
        self.value_axis = bq.Axis(
            scale=y_scale, orientation="vertical", label=value_label, tick_format=TICK_FORMAT, label_offset="45px"
        )
        self.x_axis = bq.Axis(scale=x_scale, label=x_label)
        self.figure = _figure(title, [self.bars], [self.x_axis, self.value_axis], legend_location="top-right")
        self.figure.add_class(css_class)

    def show(self, title: str, names: Sequence[str], series: Sequence[np.ndarray]) -> None:
        values = np.array([np.asarray(s, dtype=np.float64).reshape(-1) for s in series])
        set_value_axis(self.value_axis, self.bars.scales["y"], min(0.0, values.min()), max(0.0, values.max()))
        self.x_axis.num_ticks = 0 if len(names) > 12 else None
        with self.bars.hold_sync():
            self.bars.scales["x"].domain = list(names)
            self.bars.x = list(names)
            self.bars.y = values if len(series) > 1 else values[0]
        self.figure.title = title

    def clear(self, title: str) -> None:
        with self.bars.hold_sync():
            self.bars.x, self.bars.y = [], []
        self.figure.title = title


class ActivationChart:
    """An activation function's curve (left axis: output) over the histogram of the values this
    input feeds into its layer (right axis: count), on one pre-activation axis; a dashed line at
    the selected unit's pre-activation value."""

    def __init__(self) -> None:
        x_scale, y_scale, count_scale = bq.LinearScale(), bq.LinearScale(), bq.LinearScale(min=0.0)
        self.histogram = bq.Bars(
            x=[], y=[], scales={"x": x_scale, "y": count_scale}, colors=["#bbbbbb"], opacities=[0.8],
            padding=0.0, labels=["pre-activation histogram"], display_legend=True,
        )  # fmt: skip
        self.curve = bq.Lines(
            x=[], y=[], scales={"x": x_scale, "y": y_scale}, colors=[_DEFAULT], stroke_width=2.5,
            labels=["activation f(x)"], display_legend=True,
        )  # fmt: skip
        self.unit_line = bq.Lines(
            x=[], y=[], scales={"x": x_scale, "y": y_scale}, colors=[_HIGHLIGHT], line_style="dashed",
            labels=["this unit"], display_legend=True,
        )  # fmt: skip
        self.y_axis = bq.Axis(scale=y_scale, orientation="vertical", label="output f(x)", tick_format=TICK_FORMAT)
        axes = [
            bq.Axis(scale=x_scale, label="pre-activation value x", tick_format=TICK_FORMAT),
            self.y_axis,
            bq.Axis(scale=count_scale, orientation="vertical", side="right", label="count (units)", tick_format="~s"),
        ]
        self.figure = _figure(
            "Activation function", [self.histogram, self.curve, self.unit_line], axes, width=380,
            legend_location="top-left",
        )  # fmt: skip
        self.figure.fig_margin = {**_MARGIN, "right": 60}
        self.figure.add_class("xw-tracer-activation")

    def show(self, title: str, x: np.ndarray, y: np.ndarray, counts: np.ndarray, edges: np.ndarray, unit_x: float | None) -> None:
        low, high = float(min(y.min(), 0.0)), float(max(y.max(), 0.0))
        set_value_axis(self.y_axis, self.curve.scales["y"], low, high)
        with self.figure.hold_sync():
            self.histogram.x, self.histogram.y = (edges[:-1] + edges[1:]) / 2, counts
            self.curve.x, self.curve.y = x, y
            if unit_x is None:
                self.unit_line.x, self.unit_line.y = [], []
            else:
                self.unit_line.x, self.unit_line.y = [unit_x, unit_x], [low, high]
            self.figure.title = title

    def clear(self, title: str) -> None:
        with self.figure.hold_sync():
            for mark in (self.histogram, self.curve, self.unit_line):
                mark.x, mark.y = [], []
            self.figure.title = title
