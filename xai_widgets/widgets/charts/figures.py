"""Figure pieces the uncertainty and report-card charts share: a fixed-size figure with room for
the axis labels, labelled axes, float32 arrays for bqplot, and the HTML key drawn under a chart
(so no legend covers the data)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from .axes import TICK_FORMAT

CHART_MARGIN = dict(top=40, bottom=50, left=62, right=20)


def f32(values) -> np.ndarray:
    """float32, contiguous: what bqplot sends as bytes."""
    return np.ascontiguousarray(values, dtype=np.float32)


def chart_figure(marks: list, axes: list, title: str, width: int, height: int, css_class: str) -> bq.Figure:
    """A fixed-size figure with the house margin (room for the axis labels) and no animation."""
    figure = bq.Figure(
        marks=marks,
        axes=axes,
        title=title,
        fig_margin=dict(CHART_MARGIN),
        animation_duration=0,
        title_style={"font-size": "13px"},
        layout=w.Layout(width=f"{width}px", height=f"{height}px"),
    )
    figure.add_class(css_class)
    return figure


def labelled_axes(x_scale: bq.Scale, y_scale: bq.Scale, x_label: str, y_label: str) -> tuple[bq.Axis, bq.Axis]:
    """An x and a y axis with labels and the shared tick format."""
    x_axis = bq.Axis(scale=x_scale, label=x_label, tick_format=TICK_FORMAT, label_offset="34px")
    y_axis = bq.Axis(scale=y_scale, orientation="vertical", label=y_label, tick_format=TICK_FORMAT, label_offset="46px")
    return x_axis, y_axis


def key_html(entries: Sequence[tuple[str, str, str]], css_class: str) -> str:
    """HTML under a chart: (name, colour, "dot" | "line" | "dashed") per entry, so no legend covers data."""
    items = []
    for name, colour, kind in entries:
        if kind == "dot":
            swatch = f"display:inline-block;width:9px;height:9px;border-radius:50%;background:{colour}"
        else:
            style = "dashed" if kind == "dashed" else "solid"
            swatch = f"display:inline-block;width:18px;border-top:3px {style} {colour}"
        items.append(
            f"<span style='white-space:nowrap;margin-right:12px'><span style='{swatch};"
            f"vertical-align:middle;margin-right:4px'></span>{html.escape(name)}</span>"
        )
    margin = f"0 0 4px {CHART_MARGIN['left']}px"
    return f"<div class='{css_class}' style='font-size:11px;margin:{margin}'>{''.join(items)}</div>"
