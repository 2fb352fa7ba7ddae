"""bqplot charts of the NetworkTracer: a dense layer's units as clickable bars, the weights
flowing into a unit, its contributions downstream, and its layer's activation function over the
pre-activation histogram."""

from __future__ import annotations

import html
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
_GREY = "#bbbbbb"


def _key(items: Sequence[tuple[str, str, str]]) -> w.HTML:
    """A legend under a chart: (colour, "box" or "line" or "dash", label) per series. bqplot
    0.13's own legend sits over the axis here and throws while its bars are empty."""
    swatches = {
        "box": "display:inline-block;width:10px;height:10px;background:{c}",
        "line": "display:inline-block;width:16px;height:0;border-top:3px solid {c};vertical-align:middle",
        "dash": "display:inline-block;width:16px;height:0;border-top:2px dashed {c};vertical-align:middle",
    }
    spans = "".join(
        f"<span style='margin-right:12px'><span style='{swatches[kind].format(c=colour)}'></span> {label}</span>"
        for colour, kind, label in items
    )
    return w.HTML(f"<div style='font-size:11px;padding-left:60px'>{spans}</div>")


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


def _colorbar_html(limit: float) -> str:
    """A horizontal RdBu_r colour bar from -limit (blue) through 0 (white) to +limit (red)."""
    gradient = "linear-gradient(to right, #2166ac, #f7f7f7, #b2182b)"
    return (
        "<div style='display:flex;align-items:center;gap:6px;font-size:11px;padding-left:20px'>"
        f"<span>{-limit:.3g}</span><span style='display:inline-block;width:160px;height:10px;background:{gradient}'>"
        f"</span><span>+{limit:.3g}</span><span>weight</span></div>"
    )


class _Placeholder:
    """A figure that gives way to a note of its size saying why there is nothing to show (instead
    of empty axes with stale ticks). The figure leaves the page rather than being hidden: bqplot
    lays out a figure drawn under display:none with negative sizes."""

    figure: bq.Figure
    note: w.HTML
    widget: w.VBox

    def _make_widget(self, *below: w.Widget) -> None:
        layout = self.figure.layout
        self.note = w.HTML(layout=w.Layout(width=layout.width, height=layout.height))
        self.note.add_class("xw-tracer-note")
        self._shown_parts = [self.figure, *below]
        self.widget = w.VBox(self._shown_parts)

    def _say(self, text: str) -> None:
        self.note.value = (
            f"<div style='padding:60px 20px;text-align:center;color:#666'><b>{html.escape(self.figure.title)}</b>"
            f"<br>{html.escape(text)}</div>"
        )
        self.widget.children = [self.note]

    def _shown(self) -> None:
        if self.widget.children[0] is not self.figure:
            self.widget.children = self._shown_parts

    @property
    def showing(self) -> bool:
        """Whether the figure (not the note) is on show."""
        return self.widget.children[0] is self.figure


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


class WeightsInChart(_Placeholder):
    """The weights flowing into the selected unit: a Linear unit's weight row as bars (one per
    input), a Conv channel's kernels as tiles (one per input channel, side by side)."""

    def __init__(self) -> None:
        self.color_scale = bq.ColorScale(scheme="RdBu", mid=0.0, reverse=True)
        row_scale, column_scale = bq.OrdinalScale(reverse=True), bq.OrdinalScale()
        # No cell borders (black by default: they darken small kernels).
        self.heatmap = bq.GridHeatMap(
            color=np.zeros((2, 2)),
            scales={"row": row_scale, "column": column_scale, "color": self.color_scale},
            stroke=None,
        )
        self.column_axis = bq.Axis(scale=column_scale, label="input channel kernels", num_ticks=0)
        heat_axes = [
            self.column_axis,
            bq.Axis(scale=row_scale, orientation="vertical", num_ticks=0),
        ]
        x_scale, y_scale = bq.OrdinalScale(), bq.LinearScale()
        self.bars = bq.Bars(x=[], y=[], scales={"x": x_scale, "y": y_scale}, padding=0.1)
        self.value_axis = bq.Axis(
            scale=y_scale, orientation="vertical", label="weight", tick_format=TICK_FORMAT, label_offset="45px"
        )
        self.figure = _figure("Weights into the unit", [self.heatmap], heat_axes, width=330, height=300)
        self.figure.fig_margin = {**_MARGIN, "left": 20, "right": 20}
        self._heat_axes = heat_axes
        self._bar_axes = [bq.Axis(scale=x_scale, label="input unit", num_ticks=0), self.value_axis]
        self.figure.add_class("xw-tracer-weights")
        # The colour scale as an HTML bar (bqplot's ColorAxis collapsed beside this small figure).
        self.colorbar = w.HTML()
        self._make_widget(self.colorbar)

    def show_tiles(self, title: str, tiles: np.ndarray) -> None:
        """``tiles`` (in, kh, kw): one kernel per input channel, row-major in a near-square grid,
        white lines between them."""
        n_in, height, width = tiles.shape
        columns = max(1, int(np.ceil(np.sqrt(n_in))))
        rows = int(np.ceil(n_in / columns))
        # Zero, white in this diverging map, on the lines between kernels.
        mosaic = np.zeros((rows * (height + 1) - 1, columns * (width + 1) - 1))
        for channel in range(n_in):
            top, left = (channel // columns) * (height + 1), (channel % columns) * (width + 1)
            mosaic[top : top + height, left : left + width] = tiles[channel]
        limit = float(np.abs(tiles).max()) or 1.0
        self.column_axis.label = f"{n_in} input channels' {height}x{width} kernels, {columns} per row"
        with self.figure.hold_sync():
            self.color_scale.min, self.color_scale.max = -limit, limit
            self.heatmap.color = mosaic
            self.figure.marks, self.figure.axes = [self.heatmap], self._heat_axes
            self.figure.fig_margin = {**_MARGIN, "left": 20, "right": 20}  # no value axis on the left
            self.figure.title = title
        self.colorbar.value = _colorbar_html(limit)
        self._shown()

    def show_row(self, title: str, row: np.ndarray) -> None:
        row = np.asarray(row, dtype=np.float64)
        set_value_axis(self.value_axis, self.bars.scales["y"], min(0.0, row.min()), max(0.0, row.max()))
        with self.figure.hold_sync():
            self.bars.x, self.bars.y = np.arange(row.size), row
            self.bars.colors = [_HIGHLIGHT if value >= 0 else _DEFAULT for value in row]
            self.figure.marks, self.figure.axes = [self.bars], self._bar_axes
            self.figure.fig_margin = dict(_MARGIN)  # room for the weight axis
            self.figure.title = title
        self.colorbar.value = ""
        self._shown()

    def clear(self, title: str, why: str) -> None:
        self.figure.title = title
        self._say(why)


class ContributionChart(_Placeholder):
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
            padding=0.15,
        )
        self.value_axis = bq.Axis(
            scale=y_scale, orientation="vertical", label=value_label, tick_format=TICK_FORMAT, label_offset="45px"
        )
        self.x_axis = bq.Axis(scale=x_scale, label=x_label)
        self.figure = _figure(title, [self.bars], [self.x_axis, self.value_axis])
        self.figure.add_class(css_class)
        key = _key([(colour, "box", name) for colour, name in zip(colors, series, strict=True)])
        self._make_widget(key)

    def show(self, title: str, names: Sequence[str], series: Sequence[np.ndarray]) -> None:
        values = np.array([np.asarray(s, dtype=np.float64).reshape(-1) for s in series])
        set_value_axis(self.value_axis, self.bars.scales["y"], min(0.0, values.min()), max(0.0, values.max()))
        self.x_axis.num_ticks = 0 if len(names) > 12 else None
        with self.bars.hold_sync():
            self.bars.scales["x"].domain = list(names)
            self.bars.x = list(names)
            self.bars.y = values if len(series) > 1 else values[0]
        self.figure.title = title
        self._shown()

    def clear(self, title: str, why: str) -> None:
        self.figure.title = title
        self._say(why)


class ActivationChart(_Placeholder):
    """An activation function's curve (left axis: output) over the histogram of the values this
    input feeds into its layer (right axis: count), on one pre-activation axis; a dashed line at
    the selected unit's pre-activation value."""

    def __init__(self) -> None:
        x_scale, y_scale, count_scale = bq.LinearScale(), bq.LinearScale(), bq.LinearScale(min=0.0)
        self.histogram = bq.Bars(
            x=[], y=[], scales={"x": x_scale, "y": count_scale}, colors=[_GREY], opacities=[0.8], padding=0.0,
        )  # fmt: skip
        self.curve = bq.Lines(
            x=[], y=[], scales={"x": x_scale, "y": y_scale}, colors=[_DEFAULT], stroke_width=2.5,
        )  # fmt: skip
        self.unit_line = bq.Lines(
            x=[], y=[], scales={"x": x_scale, "y": y_scale}, colors=[_HIGHLIGHT], line_style="dashed",
        )  # fmt: skip
        self.y_axis = bq.Axis(scale=y_scale, orientation="vertical", label="output f(x)", tick_format=TICK_FORMAT)
        axes = [
            bq.Axis(scale=x_scale, label="pre-activation value x", tick_format=TICK_FORMAT),
            self.y_axis,
            bq.Axis(scale=count_scale, orientation="vertical", side="right", label="count (units)", tick_format="~s"),
        ]
        self.figure = _figure(
            "Activation function", [self.histogram, self.curve, self.unit_line], axes, width=380
        )  # fmt: skip
        self.figure.fig_margin = {**_MARGIN, "right": 60}
        self.figure.add_class("xw-tracer-activation")
        key = _key(
            [
                (_DEFAULT, "line", "activation f(x)"),
                (_GREY, "box", "this input's pre-activations (all units)"),
                (_HIGHLIGHT, "dash", "this unit"),
            ]
        )
        self._make_widget(key)

    def show(
        self, title: str, x: np.ndarray, y: np.ndarray, counts: np.ndarray, edges: np.ndarray, unit_x: float | None
    ) -> None:
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
        self._shown()

    def clear(self, title: str, why: str) -> None:
        self.figure.title = title
        self._say(why)
