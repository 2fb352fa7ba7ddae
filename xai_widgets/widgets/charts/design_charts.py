"""The sequence design panel's score curve: the best score so far against model evaluations,
one faint line per start and the best of all in bold, with its key under the chart."""

from __future__ import annotations

import bqplot as bq
import ipywidgets as w
import numpy as np

from .axes import TICK_FORMAT, set_value_axis
from .figures import key_html

START_COLOUR = "#90a4ae"
BEST_COLOUR = "#1565c0"
_MARGIN = dict(top=40, bottom=50, left=66, right=20)


class ScoreCurve:
    """Best score so far (y) against cumulative model evaluations (x) while a design runs."""

    def __init__(self, y_label: str = "best score", width: int = 460, height: int = 280) -> None:
        self.x_scale, self.y_scale = bq.LinearScale(), bq.LinearScale()
        scales = {"x": self.x_scale, "y": self.y_scale}
        empty = np.zeros((1, 2), np.float32)
        self.starts = bq.Lines(
            x=empty[0], y=empty, scales=scales, colors=[START_COLOUR], stroke_width=1, opacities=[0.7]
        )
        self.best = bq.Lines(x=empty[0], y=empty[0], scales=scales, colors=[BEST_COLOUR], stroke_width=3)
        self.x_axis = bq.Axis(
            scale=self.x_scale,
            label="model evaluations (sequences scored)",
            tick_format=TICK_FORMAT,
            label_offset="34px",
        )
        self.y_axis = bq.Axis(
            scale=self.y_scale, orientation="vertical", label=y_label, tick_format=TICK_FORMAT, label_offset="50px"
        )
        self.figure = bq.Figure(
            marks=[self.starts, self.best],
            axes=[self.x_axis, self.y_axis],
            title="Design: best score so far",
            fig_margin=dict(_MARGIN),
            animation_duration=0,
            title_style={"font-size": "13px"},
            layout=w.Layout(width=f"{width}px", height=f"{height}px"),
        )
        self.figure.add_class("xw-design-curve")
        self.key = w.HTML(
            key_html(
                [("best of all starts", BEST_COLOUR, "line"), ("each start", START_COLOUR, "line")], "xw-design-key"
            )
        )

    def show(self, evaluations: np.ndarray, scores: np.ndarray, title: str) -> None:
        """``evaluations`` (T,) cumulative model evaluations; ``scores`` (T, N) best so far per start."""
        x = np.ascontiguousarray(evaluations, dtype=np.float32)
        y = np.ascontiguousarray(np.asarray(scores, dtype=np.float32).T)
        if x.size == 1:  # a line needs two points: the start is drawn as a flat stub
            x, y = np.concatenate([x, x]), np.concatenate([y, y], axis=1)
        low, high = float(y.min()), float(y.max())
        with self.figure.hold_sync():
            set_value_axis(self.x_axis, self.x_scale, 0.0, max(float(x[-1]), 1.0))
            set_value_axis(self.y_axis, self.y_scale, low, high if high > low else low + 1e-3)
            with self.starts.hold_sync():
                self.starts.x = x
                self.starts.y = y
            with self.best.hold_sync():
                self.best.x = x
                self.best.y = y.max(0)
            self.figure.title = title
