"""WeightsView: a linear model's weights as sorted, signed bars with a top-k table and flags on
strongly correlated features; or one Linear / Conv layer's weights as a heatmap or kernel tiles."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t
from torch import nn

from ...kernel import correlated_features, find_linear, layer_weights, linear_weights, top_k_weights
from ..base.view import BaseView
from ..charts.axes import TICK_FORMAT, name_margin
from ..charts.tabular_charts import fit_value_axis

POSITIVE = "#e45756"  # red for positive, blue for negative, as in the RdBu_r heatmaps
NEGATIVE = "#4c78a8"
CORRELATION_THRESHOLD = 0.9
SPLIT_WARNING = (
    "Strongly correlated features can split a weight between them arbitrarily: "
    "read their weights together (their sum), not one by one."
)
# Kernel tiles beyond this many rows / columns of channels are left out, so the browser
# never draws a grid of hundreds of thousands of cells.
MAX_TILES = 64
_MARGIN = dict(top=30, bottom=45, left=60, right=28)


class WeightsView(BaseView):
    """Learned weights of a model.

    Without ``layer``, ``model`` must be linear (an nn.Linear, or a model whose only weighted
    layer is one): its weights per input feature are bars sorted from most positive to most
    negative, red positive and blue negative, beside a table of the ``top_k`` largest by absolute
    value. Given ``X`` (samples, features), features whose correlation with another exceeds 0.9
    are flagged with a warning sign beside their bars.

    With ``layer`` (a submodule or its dotted name), the layer's weights are drawn: a Linear's
    (out, in) matrix as a heatmap, a Conv's kernels as tiles (one row per output channel, one
    column per input channel).

    Call :meth:`refresh` after the weights changed (the TrainingMonitor does, while training).
    ``top_k`` and ``layer`` (the layer's dotted name, None for the linear model's bars) are
    synced traits: changing them redraws.
    """

    top_k = t.Int(5, min=1).tag(sync=True)
    layer = t.Unicode(None, allow_none=True).tag(sync=True)

    def __init__(
        self,
        model: nn.Module,
        feature_names: Sequence[str] | None = None,
        X: Any = None,
        layer: Any = None,
        top_k: int = 5,
    ) -> None:
        self.model = model
        self.feature_names = None if feature_names is None else [str(name) for name in feature_names]
        self.X = X
        name = _layer_name(model, layer)
        if name is None:
            find_linear(model)  # fail early, with the kernel's message, on a non-linear model
        super().__init__(top_k=top_k, layer=name)
        self._build()
        self.observe(self._on_top_k, names="top_k")
        self.observe(self._on_layer, names="layer")

    def _build(self) -> None:
        if self.layer is None:
            X = self.X
            self.pairs = [] if X is None else correlated_features(X, self.feature_names, CORRELATION_THRESHOLD)
            self.flagged = sorted({name for a, b, _ in self.pairs for name in (a, b)})
            parts = self._build_linear()
        else:
            self.pairs, self.flagged = [], []
            parts = self._build_layer()
        old = list(self.children)
        self.set_parts(parts)
        self.refresh()
        for widget in old:
            if widget is not self.status_bar:
                widget.close()

    def _on_top_k(self, _change: dict) -> None:
        self.refresh()

    def _on_layer(self, _change: dict) -> None:
        if self.layer is None:
            find_linear(self.model)
        self._build()

    # -- linear model: bars, table, flags -------------------------------------------------------
    def _build_linear(self) -> list[w.Widget]:
        # Horizontal bars, names on the left: no rotated names colliding with bars, none hidden
        # behind a negative bar or cut at the figure's edge. bqplot draws the domain's first name
        # at the bottom: the domain is set in reverse, so the largest weight is on top.
        x_scale, y_scale = bq.OrdinalScale(), bq.LinearScale()
        self.bars = bq.Bars(x=[], y=[], scales={"x": x_scale, "y": y_scale}, padding=0.2, orientation="horizontal")
        # The flags are text marks on the same scales: a warning sign just beyond each flagged bar's end.
        self.flags = bq.Label(
            x=[],
            y=[],
            text=[],
            scales={"x": y_scale, "y": x_scale},
            colors=["#b35900"],
            align="middle",
            default_size=14,
            y_offset=5,
        )
        self.value_axis = bq.Axis(
            scale=y_scale, orientation="horizontal", label="weight", label_offset="32px", tick_format=TICK_FORMAT
        )
        axes = [
            bq.Axis(scale=x_scale, orientation="vertical", tick_style={"font-size": "11px"}, grid_lines="none"),
            self.value_axis,
        ]
        self.figure = bq.Figure(
            marks=[self.bars, self.flags],
            axes=axes,
            title="Weights per feature (sorted)",
            fig_margin=dict(_MARGIN),
            layout=w.Layout(width="460px", height="280px"),
        )
        self.figure.add_class("xw-weights-bars")
        self.table = w.HTML()
        self.warning = w.HTML(self._warning_html())
        return [w.HBox([self.figure, self.table]), self.warning]

    def _refresh_linear(self) -> None:
        weights = linear_weights(self.model, self.feature_names)
        names = [fw.name for fw in weights]
        values = [fw.weight for fw in weights]
        flagged = [(fw.name, fw.weight) for fw in weights if fw.name in self.flagged]
        # An ordinal scale keeps its first order unless told: set it, so the bars stay sorted.
        self.bars.scales["x"].domain = names[::-1]
        left = name_margin(names)
        if self.figure.fig_margin.get("left") != left:
            self.figure.fig_margin = {**self.figure.fig_margin, "left": left}
            self.figure.layout.width = f"{left + 360}px"
        height = f"{max(200, 75 + 20 * len(names))}px"
        if self.figure.layout.height != height:
            self.figure.layout.height = height
        # Round ticks whose labels never repeat, and room for the flags beyond the bars' ends.
        span = max(values, default=0.0) - min(values, default=0.0)
        room = [v + np.sign(v) * 0.08 * span for _, v in flagged]
        fit_value_axis(self.value_axis, self.bars.scales["y"], np.array([*values, *room, 0.0]))
        with self.bars.hold_sync():
            self.bars.x = names
            self.bars.y = values
            self.bars.colors = [POSITIVE if value >= 0 else NEGATIVE for value in values]
        if flagged:
            span = max(values) - min(min(values), 0.0) or 1.0
            with self.flags.hold_sync():
                self.flags.y = [name for name, _ in flagged]
                # Right of a positive bar, left of a negative one: beside its end, never inside it.
                self.flags.x = [value + (0.04 if value >= 0 else -0.04) * span for _, value in flagged]
                self.flags.text = ["⚠"] * len(flagged)
        self.table.value = _top_k_table(top_k_weights(self.model, self.feature_names, self.top_k), set(self.flagged))

    def _warning_html(self) -> str:
        if not self.pairs:
            return ""
        pairs = ", ".join(f"{html.escape(a)} ~ {html.escape(b)} (r = {corr:+.2f})" for a, b, corr in self.pairs)
        return f"<div style='color:#b35900'>⚠ Correlation above {CORRELATION_THRESHOLD}: {pairs}. {SPLIT_WARNING}</div>"

    # -- any layer: heatmap or kernel tiles -----------------------------------------------------
    def _build_layer(self) -> list[w.Widget]:
        weights = layer_weights(self.model, self.layer)
        conv = weights.ndim > 2
        row_scale, column_scale = bq.OrdinalScale(reverse=True), bq.OrdinalScale()
        self.color_scale = bq.ColorScale(scheme="RdBu", mid=0.0, reverse=True)
        self.heatmap = bq.GridHeatMap(
            color=_as_grid(weights), scales={"row": row_scale, "column": column_scale, "color": self.color_scale}
        )
        axes = [
            bq.Axis(scale=column_scale, label="input channel tiles" if conv else "input", num_ticks=0),
            bq.Axis(scale=row_scale, orientation="vertical", label="output", num_ticks=0),
            bq.ColorAxis(scale=self.color_scale, orientation="vertical", side="right"),
        ]
        kind = (
            "kernels (row: output channel, column: input channel)"
            if conv
            else "weight per channel"
            if weights.ndim == 1
            else "weight matrix (out x in)"
        )
        self.figure = bq.Figure(
            marks=[self.heatmap],
            axes=axes,
            title=f"{self.layer}: {kind}",
            fig_margin=dict(top=40, bottom=40, left=50, right=80),
            layout=w.Layout(width="480px", height="400px"),
        )
        shown = (
            ""
            if not conv or max(weights.shape[:2]) <= MAX_TILES
            else f"<i>showing the first {MAX_TILES} output and input channels of "
            f"{weights.shape[0]} x {weights.shape[1]}</i>"
        )
        self.caption = w.HTML(f"shape {list(weights.shape)} {shown}")
        return [self.figure, self.caption]

    def _refresh_layer(self) -> None:
        grid = _as_grid(layer_weights(self.model, self.layer))
        # Symmetric limits, so zero stays the neutral colour as the weights move in training.
        limit = float(np.abs(grid).max()) or 1.0
        with self.heatmap.hold_sync():
            self.color_scale.min, self.color_scale.max = -limit, limit
            self.heatmap.color = grid

    # -- shared -----------------------------------------------------------------------------------
    def refresh(self, model: nn.Module | None = None) -> None:
        """Re-read the weights (of ``model`` if given, a model of the same shape) and redraw, at once:
        reading weights is cheap, and the TrainingMonitor draws them between steps of its loop."""
        if model is not None:
            self.model = model
        if self.layer is None:
            self._refresh_linear()
        else:
            self._refresh_layer()


def _layer_name(model: nn.Module, layer: Any) -> str | None:
    """The dotted name of ``layer`` (a submodule of ``model`` or its name); None for no layer."""
    if layer is None:
        return None
    layer_weights(model, layer)  # fail early, with the kernel's message, on a wrong layer
    if isinstance(layer, str):
        return layer
    return next(name for name, module in model.named_modules() if module is layer)


def _top_k_table(weights: Sequence, flagged: set[str]) -> str:
    rows = "".join(
        f"<tr><td>{rank}</td><td>{html.escape(fw.name)}{' ⚠' if fw.name in flagged else ''}</td>"
        f"<td style='text-align:right;color:{POSITIVE if fw.weight >= 0 else NEGATIVE}'>{fw.weight:+.4f}</td></tr>"
        for rank, fw in enumerate(weights, start=1)
    )
    return (
        f"<table><caption><b>Top {len(weights)} by |weight|</b></caption>"
        f"<tr><th>#</th><th>feature</th><th>weight</th></tr>{rows}</table>"
    )


def _as_grid(weights: np.ndarray) -> np.ndarray:
    """A 2-D array to draw: a Linear's matrix as it is; Conv kernels (out, in, *k) as a mosaic
    of tiles, one per (output, input) channel pair, separated by a line of zeros (neutral); a 1-D
    weight (a BatchNorm's scale) as one row."""
    if weights.ndim == 1:
        return weights[None, :].astype(np.float64)
    if weights.ndim == 2:
        return weights.astype(np.float64)
    if weights.ndim == 3:  # Conv1d: each kernel a one-row tile
        weights = weights[:, :, None, :]
    # Conv3d: the depth slices of a kernel stacked into one taller tile.
    weights = weights[:MAX_TILES, :MAX_TILES]
    n_out, n_in = weights.shape[:2]
    weights = weights.reshape(n_out, n_in, -1, weights.shape[-1])
    height, width = weights.shape[2:]
    mosaic = np.zeros((n_out * (height + 1) - 1, n_in * (width + 1) - 1))
    for out in range(n_out):
        for inp in range(n_in):
            top, left = out * (height + 1), inp * (width + 1)
            mosaic[top : top + height, left : left + width] = weights[out, inp]
    return mosaic
