"""bqplot charts of the ContinuityView: an explanation drawn as a field over a plane of two
features with a draggable point, the two relevances at the point as bars, and the relevances
along a path across the diagonal. They draw what they are given; the numbers come from the kernel."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from .axes import TICK_FORMAT, nice_ticks

# One colour per feature of the plane, in every chart of the view (the field's ends, the bars, the
# path's curves): orange for the first (x-axis) feature, purple for the second. Red and blue stay
# the sign colours of the other views.
FIRST_COLOUR = "#e08214"
SECOND_COLOUR = "#8073ac"
_MIDDLE_COLOUR = "#f7f7f7"
_GUIDE_COLOUR = "#333333"
_PATH_COLOUR = "#555555"
# Three panels side by side fit a JupyterLab notebook beside its file browser (about 960 px).
_PLOT_PX = 200
_FIELD_MARGIN = dict(top=32, bottom=45, left=55, right=16)
CHART_WIDTH = _FIELD_MARGIN["left"] + _PLOT_PX + _FIELD_MARGIN["right"]
_TITLE_STYLE = {"font-size": "13px"}
_AXIS_PAD = 0.05


def _f32(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float32)


def _figure(marks, axes, title: str, width: int, height: int, margin: dict) -> bq.Figure:
    return bq.Figure(
        marks=marks,
        axes=axes,
        title=title,
        fig_margin=margin,
        animation_duration=0,
        title_style=_TITLE_STYLE,
        layout=w.Layout(width=f"{width}px", height=f"{height}px"),
    )


def ticks_inside(low: float, high: float) -> list[float]:
    """Round ticks (as :func:`~.axes.nice_ticks`) that lie within ``low``..``high``: for an axis
    whose scale must end exactly at the data's range (the field's cells tile it)."""
    slack = 1e-9 * max(abs(low), abs(high), 1.0)
    return [tick for tick in nice_ticks(low, high) if low - slack <= tick <= high + slack]


def colour_key(first: str, second: str) -> str:
    """HTML: the field's colour scale as a bar, -1 (all on ``second``) to +1 (all on ``first``).
    One key for every panel, outside the plots (bqplot's colour axis crowds a 200 px panel)."""
    first, second = html.escape(first), html.escape(second)
    gradient = f"linear-gradient(to right, {SECOND_COLOUR}, {_MIDDLE_COLOUR}, {FIRST_COLOUR})"
    label = "font-size:11px;color:#333"
    return (
        "<div class='xw-continuity-colour-key' style='display:flex;align-items:center;gap:8px;margin:2px 0 4px 59px'>"
        f"<span style='{label}'>field: share of |relevance|, "
        f"(|R {first}| − |R {second}|) / (|R {first}| + |R {second}|)</span>"
        f"<span style='{label}'>−1 all on {second}</span>"
        "<span style='display:inline-block;width:160px;height:12px;"
        f"background:{gradient};border:1px solid #999'></span>"
        f"<span style='{label}'>+1 all on {first}</span>"
        f"<span style='{label};color:#666'>(white: an even split)</span></div>"
    )


def set_padded_axis(axis: bq.Axis, scale: bq.LinearScale, low: float, high: float) -> None:
    """Round ticks over ``low``..``high`` (and 0) on ``axis``, its scale a little wider than the end
    ticks so a curve or bar at an end tick (the gradient's 0 and 1) stays off the plot's frame."""
    ticks = nice_ticks(min(low, 0.0), max(high, 0.0))
    pad = _AXIS_PAD * (ticks[-1] - ticks[0])
    with scale.hold_sync():
        scale.min, scale.max = ticks[0] - pad, ticks[-1] + pad
    axis.tick_values = ticks


class FieldPanel:
    """One method's explanation as a field over the plane, coloured by how the relevance splits
    between the two features, (|R1| - |R2|) / (|R1| + |R2|) from -1 (all on the second feature)
    to +1 (all on the first); the plane's diagonal, the path across it (dashed) and one point
    the user drags (``on_move(x, y)`` is called with each new place, ``on_drop(x, y)`` with the
    last when the drag ends)."""

    def __init__(
        self,
        title: str,
        x_label: str,
        y_label: str,
        css_class: str,
        on_move: Callable[[float, float], None],
        on_drop: Callable[[float, float], None],
    ) -> None:
        self.x_scale, self.y_scale = bq.LinearScale(), bq.LinearScale()
        self.colour_scale = bq.ColorScale(
            colors=[SECOND_COLOUR, _MIDDLE_COLOUR, FIRST_COLOUR], min=-1.0, mid=0.0, max=1.0
        )
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.heatmap = bq.HeatMap(
            x=np.array([0.0, 1.0]),
            y=np.array([0.0, 1.0]),
            color=np.zeros((2, 2)),
            scales={**scales, "color": self.colour_scale},
            null_color="#dddddd",
        )
        self.diagonal = bq.Lines(
            x=np.zeros(2, np.float32),
            y=np.zeros(2, np.float32),
            scales=scales,
            colors=[_GUIDE_COLOUR],
            stroke_width=1.5,
        )
        self.path = bq.Lines(
            x=np.zeros(2, np.float32),
            y=np.zeros(2, np.float32),
            scales=scales,
            colors=[_PATH_COLOUR],
            line_style="dashed",
            stroke_width=1.2,
        )
        self.point = bq.Scatter(
            x=np.zeros(1),
            y=np.zeros(1),
            scales=scales,
            colors=["#111111"],
            stroke="white",
            stroke_width=2.0,
            default_size=140,
            drag_size=1.5,
            enable_move=True,
            update_on_move=True,
        )
        self.x_axis = bq.Axis(scale=self.x_scale, label=x_label, tick_format=TICK_FORMAT, grid_lines="none")
        self.y_axis = bq.Axis(
            scale=self.y_scale,
            orientation="vertical",
            label=y_label,
            tick_format=TICK_FORMAT,
            grid_lines="none",
            label_offset="38px",
        )
        self.figure = _figure(
            [self.heatmap, self.diagonal, self.path, self.point],
            [self.x_axis, self.y_axis],
            title,
            CHART_WIDTH,
            _FIELD_MARGIN["top"] + _FIELD_MARGIN["bottom"] + _PLOT_PX,
            _FIELD_MARGIN,
        )
        self.figure.add_class("xw-continuity-field")
        self.figure.add_class(css_class)
        self.field = np.zeros((0, 0), np.float32)
        self._on_move = on_move
        self._placing = False
        self.point.observe(self._moved, names=["x", "y"])
        self.point.on_drag_end(lambda _mark, event: self._dropped(event, on_drop))

    def set_plane(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """Fix the axes to the plane's ranges (shown units), ticks inside them."""
        with self.figure.hold_sync():
            for scale, axis, (low, high) in (
                (self.x_scale, self.x_axis, x_range),
                (self.y_scale, self.y_axis, y_range),
            ):
                with scale.hold_sync():
                    scale.min, scale.max = float(low), float(high)
                axis.tick_values = ticks_inside(float(low), float(high))

    def show_guides(self, diagonal: np.ndarray, path: np.ndarray) -> None:
        """The diagonal and the path as (2, 2) arrays of end points (x column, y column)."""
        with self.figure.hold_sync():
            with self.diagonal.hold_sync():
                self.diagonal.x, self.diagonal.y = _f32(diagonal[:, 0]), _f32(diagonal[:, 1])
            with self.path.hold_sync():
                self.path.x, self.path.y = _f32(path[:, 0]), _f32(path[:, 1])

    def show_field(self, x_centres: np.ndarray, y_centres: np.ndarray, field: np.ndarray, title: str) -> None:
        """``field`` (len(y_centres), len(x_centres)): the colour of each cell, -1..1."""
        self.field = _f32(field)
        with self.figure.hold_sync():
            with self.heatmap.hold_sync():
                self.heatmap.x, self.heatmap.y = np.asarray(x_centres, np.float64), np.asarray(y_centres, np.float64)
                self.heatmap.color = self.field
            self.figure.title = title

    def clear(self, title: str) -> None:
        self.figure.title = title

    def move_point(self, x: float, y: float) -> None:
        """Put the point at (x, y) (shown units), unless it is there already (as while it is dragged)."""
        here = (float(self.point.x[0]), float(self.point.y[0])) if len(self.point.x) else (np.nan, np.nan)
        if np.allclose(here, (x, y), rtol=0.0, atol=1e-12):
            return
        # Placed from Python: no on_move (x set before y would report a point that is neither).
        self._placing = True
        try:
            with self.point.hold_sync():
                self.point.x, self.point.y = np.array([float(x)]), np.array([float(y)])
        finally:
            self._placing = False

    @staticmethod
    def _dropped(event: dict, on_drop: Callable[[float, float], None]) -> None:
        point = event.get("point") or {}
        if isinstance(point.get("x"), (int, float)) and isinstance(point.get("y"), (int, float)):
            on_drop(float(point["x"]), float(point["y"]))

    def _moved(self, _change: dict) -> None:
        if not self._placing and len(self.point.x) and len(self.point.y):
            self._on_move(float(self.point.x[0]), float(self.point.y[0]))


class RelevanceBars:
    """The two relevances at the point as horizontal bars (first feature on top), each in its
    feature's colour, on a value axis fixed by :meth:`set_range` so a jump shows as a jump."""

    def __init__(self, title: str, names: Sequence[str], value_label: str, css_class: str) -> None:
        self.names = [str(name) for name in names]
        self.name_scale, self.value_scale = bq.OrdinalScale(), bq.LinearScale()
        self.bars = bq.Bars(
            x=list(self.names),
            y=np.zeros(2, np.float32),
            scales={"x": self.name_scale, "y": self.value_scale},
            colors=[FIRST_COLOUR, SECOND_COLOUR],
            padding=0.35,
            orientation="horizontal",
        )
        # bqplot draws a vertical ordinal domain's first label at the bottom.
        self.name_scale.domain = self.names[::-1]
        self.name_axis = bq.Axis(
            scale=self.name_scale, orientation="vertical", tick_style={"font-size": "11px"}, grid_lines="none"
        )
        self.value_axis = bq.Axis(
            scale=self.value_scale, label=value_label, label_offset="32px", tick_format=TICK_FORMAT
        )
        set_padded_axis(self.value_axis, self.value_scale, 0.0, 1.0)
        left = max(55, 12 + 7 * max(len(name) for name in self.names))
        margin = dict(top=32, bottom=48, left=left, right=28)
        self.figure = _figure([self.bars], [self.name_axis, self.value_axis], title, CHART_WIDTH, 150, margin)
        self.figure.add_class("xw-continuity-bars")
        self.figure.add_class(css_class)
        self.values = np.zeros(2, np.float32)

    def set_range(self, low: float, high: float) -> None:
        """Fix the value axis to round ticks over ``low``..``high`` (and 0)."""
        set_padded_axis(self.value_axis, self.value_scale, low, high)

    def show(self, values: np.ndarray, title: str) -> None:
        self.values = _f32(values)
        with self.figure.hold_sync():
            low, high = self.value_scale.min, self.value_scale.max
            if low is None or high is None or self.values.min() < low or self.values.max() > high:
                self.set_range(float(self.values.min()), float(self.values.max()))
            self.bars.y = self.values
            self.figure.title = title

    def clear(self, title: str) -> None:
        self.show(np.zeros(2, np.float32), title)


class PathChart:
    """The two relevances along the path across the diagonal, t from -1 to 1 (0: on the diagonal),
    with a vertical cursor where the point projects onto the path."""

    KEY = (
        "<span class='xw-continuity-key' style='font-size:11px'>"
        f"<span style='color:{FIRST_COLOUR}'>&#9632; {{first}}</span> &nbsp;"
        f"<span style='color:{SECOND_COLOUR}'>&#9632; {{second}}</span> &nbsp;"
        f"<span style='color:{_GUIDE_COLOUR}'>&#9473; {{diagonal}}</span> &nbsp;"
        f"<span style='color:{_PATH_COLOUR}'>&#9476; path of the t slider</span> &nbsp;"
        "<b>&#9679;</b> the point: drag it</span>"
    )

    def __init__(self, title: str, value_label: str, css_class: str) -> None:
        self.t_scale, self.value_scale = (
            bq.LinearScale(min=-1.0 - 2 * _AXIS_PAD, max=1.0 + 2 * _AXIS_PAD),
            bq.LinearScale(),
        )
        unit = bq.LinearScale(min=0.0, max=1.0)
        empty = np.zeros((2, 0), np.float32)
        self.curves = bq.Lines(
            x=np.zeros(0, np.float32),
            y=empty,
            scales={"x": self.t_scale, "y": self.value_scale},
            colors=[FIRST_COLOUR, SECOND_COLOUR],
            stroke_width=2.2,
        )
        self.diagonal = bq.Lines(
            x=np.zeros(2, np.float32),
            y=np.array([0.0, 1.0], np.float32),
            scales={"x": self.t_scale, "y": unit},
            colors=["#bbbbbb"],
            line_style="dashed",
            stroke_width=1.0,
        )
        self.cursor = bq.Lines(
            x=np.zeros(2, np.float32),
            y=np.array([0.0, 1.0], np.float32),
            scales={"x": self.t_scale, "y": unit},
            colors=[_GUIDE_COLOUR],
            stroke_width=1.5,
        )
        self.t_axis = bq.Axis(
            scale=self.t_scale,
            label="t along the path (0: on the diagonal)",
            tick_values=[-1.0, -0.5, 0.0, 0.5, 1.0],
            tick_format=TICK_FORMAT,
        )
        self.value_axis = bq.Axis(
            scale=self.value_scale,
            orientation="vertical",
            label=value_label,
            tick_format=TICK_FORMAT,
            label_offset="40px",
        )
        set_padded_axis(self.value_axis, self.value_scale, 0.0, 1.0)
        margin = dict(top=32, bottom=45, left=_FIELD_MARGIN["left"], right=_FIELD_MARGIN["right"] + 6)
        self.figure = _figure(
            [self.diagonal, self.curves, self.cursor], [self.t_axis, self.value_axis], title, CHART_WIDTH, 235, margin
        )
        self.figure.add_class("xw-continuity-path")
        self.figure.add_class(css_class)
        self.t = np.zeros(0, np.float32)
        self.values = np.zeros((0, 2), np.float32)

    def show(self, t: np.ndarray, values: np.ndarray, title: str, low: float, high: float) -> None:
        """``values`` (len(t), 2): the relevance of each feature at each t; axis over low..high."""
        self.t, self.values = _f32(t), _f32(values)
        with self.figure.hold_sync():
            set_padded_axis(self.value_axis, self.value_scale, low, high)
            with self.curves.hold_sync():
                self.curves.x = self.t
                self.curves.y = np.ascontiguousarray(self.values.T)
            self.figure.title = title

    def clear(self, title: str) -> None:
        self.figure.title = title

    def move_cursor(self, t: float) -> None:
        self.cursor.x = np.full(2, float(t), np.float32)
