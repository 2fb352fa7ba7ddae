"""TrainingMonitor: loss curves and the model's weights, updated live from a plain PyTorch
training loop running in the same cell, throttled so that it costs the loop little time."""

from __future__ import annotations

import html
import math
import threading
import time
from collections.abc import Sequence
from typing import Any

import bqplot as bq
import ipywidgets as w
import traitlets as t
from torch import nn

from ...kernel import ExplainerError, top_k_weights
from ..base.view import BaseView
from ..charts.axes import TICK_FORMAT, set_value_axis
from .weights_view import WeightsView

TRAIN_COLOUR = "#4c78a8"
VAL_COLOUR = "#f58518"
# Drawing may take at most this share of the loop's time: after a draw that took d seconds the
# next waits at least d / DRAW_BUDGET, so a slow front end or a big layer slows training little,
# whatever min_interval says...
DRAW_BUDGET = 0.02
# ...but the budget never stretches the gap past this, so the view stays live to watch (a 10 ms
# draw would otherwise mean one redraw every 0.5 s); only a larger min_interval waits longer.
LIVE_GAP = 0.2


class TrainingMonitor(BaseView):
    """Live loss curves and weights for a training loop.

    Call ``monitor.update(epoch=..., train_loss=..., val_loss=..., model=...)`` once per epoch
    (or step) inside the loop. Every value is recorded (``epochs``, ``train_losses``,
    ``val_losses``), but the view redraws at most every ``min_interval`` seconds (the first
    time ``min_interval`` after the first update), and at the first update after ``LIVE_GAP``
    (0.2 s) of loop time whatever a draw cost, unless ``min_interval`` is larger. The last
    values are never skipped: a timer draws them once no update came for a gap (also while the
    cell goes on with other work), IPython draws them when the cell finishes, and :meth:`flush`
    (or ``final=True`` on the last update) draws them at once.

    With a linear ``model`` (or a ``layer`` of any model) the monitor embeds a
    :class:`WeightsView` and writes the ``top_k`` largest weights by absolute value after each
    draw; ``X`` (samples, features) lets it flag strongly correlated features. ``min_interval``
    and ``top_k`` are synced traits; ``status_label`` says the last epoch's losses.
    """

    min_interval = t.Float(0.2, min=0.0).tag(sync=True)
    top_k = t.Int(5, min=1).tag(sync=True)

    def __init__(
        self,
        model: nn.Module | None = None,
        feature_names: Sequence[str] | None = None,
        X: Any = None,
        min_interval: float = 0.2,
        layer: Any = None,
        top_k: int = 5,
    ) -> None:
        super().__init__(min_interval=float(min_interval), top_k=top_k)
        self.model = model
        self.feature_names = feature_names
        self.X = X
        self.layer = layer
        self.epochs: list[float] = []
        self.train_losses: list[float] = []
        self.val_losses: list[float] = []  # NaN where an update had no validation loss
        self.draw_count = 0
        self.draw_seconds = 0.0  # time spent drawing, for the overhead benchmark
        self.weights_view: WeightsView | None = None
        self._pending = False
        # Updates come from the loop's thread, the drawing of a last state from a timer's.
        self._lock = threading.RLock()
        self._last_update = 0.0
        self._trailing: threading.Timer | None = None
        # The clock starts at the first update: a loop shorter than min_interval draws once, at
        # the end, instead of paying for a draw at its start too.
        self._last_draw: float | None = None
        self._next_gap = self.min_interval
        self._draw_cost = 0.0  # seconds the last draw took
        self._hooked = False
        self._shell = _ipython_shell()

        x_scale, y_scale = bq.LinearScale(), bq.LinearScale()
        self.train_line = bq.Lines(
            x=[],
            y=[],
            scales={"x": x_scale, "y": y_scale},
            colors=[TRAIN_COLOUR],
            labels=["train"],
        )
        self.val_line = bq.Lines(
            x=[],
            y=[],
            scales={"x": x_scale, "y": y_scale},
            colors=[VAL_COLOUR],
            labels=["validation"],
        )
        axes = [
            # Round ticks set from the data at each draw (set_value_axis): bqplot's own printed "d"
            # epochs as 0, 1, 1, 2 for epochs 0-1.5 and ".3~g" losses repeated on a flat loss.
            bq.Axis(scale=x_scale, label="epoch", tick_format=TICK_FORMAT),
            bq.Axis(scale=y_scale, orientation="vertical", label="loss", tick_format=TICK_FORMAT, label_offset="58px"),
        ]
        self.figure = bq.Figure(
            marks=[self.train_line, self.val_line],
            axes=axes,
            title="Loss",
            title_style={"font-size": "14px"},
            fig_margin=dict(top=56, bottom=40, left=72, right=25),  # the title clear of the top tick
            layout=w.Layout(width="460px", height="260px"),
            display_toolbar=False,  # bqplot's hover toolbar sits over the title
        )
        # A key under the chart (filled by the first draw, with only the curves drawn): a bqplot
        # legend sits inside the plot, over the early epochs' curves.
        self.key = w.HTML(layout=w.Layout(margin="0 0 0 72px"))
        self.status_label = w.HTML("<i>waiting for the first update</i>")
        self.top_weights = w.HTML()
        self._weights_box = w.VBox()
        self.set_parts(
            [
                w.HBox([w.VBox([self.figure, self.key]), w.VBox([self.status_label, self.top_weights])]),
                self._weights_box,
            ]
        )
        if model is not None:
            self._attach_weights(model)
        self.observe(self._on_min_interval, names="min_interval")
        self.observe(self._on_top_k, names="top_k")

    def update(
        self,
        epoch: float,
        train_loss: Any,
        val_loss: Any = None,
        model: nn.Module | None = None,
        final: bool = False,
    ) -> None:
        """Record one epoch's losses (floats or 0-d tensors) and redraw if ``min_interval``
        seconds passed since the last draw, or if ``final``."""
        with self._lock:
            self.epochs.append(float(epoch))
            self.train_losses.append(float(train_loss))
            self.val_losses.append(math.nan if val_loss is None else float(val_loss))
            if model is not None and model is not self.model:
                self.model = model
                if self.weights_view is None:
                    self._attach_weights(model)
            self._pending = True
            now = time.perf_counter()
            self._last_update = now
            if self._last_draw is None:
                self._last_draw = now
            if final or now - self._last_draw >= self._next_gap:
                self._draw()
            else:
                self._flush_when_cell_ends()
                self._draw_later(self._next_gap)

    def flush(self) -> None:
        """Draw the values recorded since the last draw, if any."""
        with self._lock:
            if self._pending:
                self._draw()

    def close(self) -> None:
        timer = getattr(self, "_trailing", None)
        if timer is not None:
            timer.cancel()
        super().close()

    def _draw_later(self, delay: float) -> None:
        """Draw what is pending once no update came for a gap, so the last state of a loop that
        ended (or paused) shows within a gap, also while the cell goes on with other work."""
        if self._trailing is None:
            self._trailing = threading.Timer(delay, self._draw_trailing)
            self._trailing.daemon = True
            self._trailing.start()

    def _draw_trailing(self) -> None:
        with self._lock:
            self._trailing = None
            if not self._pending:
                return
            wait = self._last_update + self._next_gap - time.perf_counter()
            if wait > 0:  # the loop still runs: its own updates draw; look again a gap after the last
                self._draw_later(wait)
            else:
                self._draw()

    def _draw(self) -> None:
        start = time.perf_counter()
        val_epochs = [e for e, v in zip(self.epochs, self.val_losses, strict=True) if not math.isnan(v)]
        val_losses = [v for v in self.val_losses if not math.isnan(v)]
        self._set_axes(val_losses)
        with self.train_line.hold_sync():
            self.train_line.x, self.train_line.y = self.epochs, self.train_losses
        if val_losses:
            with self.val_line.hold_sync():
                self.val_line.x, self.val_line.y = val_epochs, val_losses
        self.key.value = _key(bool(val_losses))
        last_val = "" if math.isnan(self.val_losses[-1]) else f", validation {self.val_losses[-1]:.4g}"
        self.status_label.value = f"epoch {self.epochs[-1]:g}: train loss {self.train_losses[-1]:.4g}{last_val}"
        if self.weights_view is not None and self.model is not None:
            self.weights_view.refresh(self.model)
            if self.weights_view.layer is None:
                self.top_weights.value = _top_weights_text(self.model, self.weights_view.feature_names, self.top_k)
        self.draw_count += 1
        self._pending = False
        self._last_draw = time.perf_counter()
        self.draw_seconds += self._last_draw - start
        self._draw_cost = self._last_draw - start
        self._next_gap = self._gap()

    def _set_axes(self, val_losses: Sequence[float]) -> None:
        """Round ticks over the epochs (at least five, so the ticks are whole epochs) and the losses."""
        x_axis, y_axis = self.figure.axes
        first, last = min(self.epochs), max(self.epochs)
        set_value_axis(x_axis, self.train_line.scales["x"], first, max(last, first + 5))
        losses = [v for v in [*self.train_losses, *val_losses] if math.isfinite(v)]
        if losses:
            set_value_axis(y_axis, self.train_line.scales["y"], min(losses), max(losses))

    def _gap(self) -> float:
        """Seconds of loop time until the next redraw: min_interval, stretched by the draw
        budget up to LIVE_GAP."""
        return max(self.min_interval, min(self._draw_cost / DRAW_BUDGET, LIVE_GAP))

    def _on_min_interval(self, _change: dict) -> None:
        self._next_gap = self._gap()

    def _on_top_k(self, _change: dict) -> None:
        if self.weights_view is not None:
            self.weights_view.top_k = self.top_k
        with self._lock:
            if self.epochs:
                self._draw()

    def _attach_weights(self, model: nn.Module) -> None:
        try:
            self.weights_view = WeightsView(model, self.feature_names, self.X, layer=self.layer, top_k=self.top_k)
        except ExplainerError as error:
            # A deep model without a layer to show: losses only, and say why.
            self.top_weights.value = f"<i>no weights view: {html.escape(str(error))}</i>"
            return
        self._weights_box.children = [self.weights_view]

    def _flush_when_cell_ends(self) -> None:
        """In IPython, draw what is still pending once the running cell finishes, so the last
        values show even when the loop never calls flush()."""
        if self._hooked or self._shell is None:
            return
        shell = self._shell

        def on_cell_end(*_args: Any) -> None:
            shell.events.unregister("post_run_cell", on_cell_end)
            self._hooked = False
            self.flush()

        shell.events.register("post_run_cell", on_cell_end)
        self._hooked = True


def _ipython_shell() -> Any:
    """The running IPython shell, or None (a plain script): looked up once, not per update."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _key(validation: bool) -> str:
    items = [f"<span style='color:{TRAIN_COLOUR}'>&#9473; train</span>"]
    if validation:
        items.append(f"<span style='color:{VAL_COLOUR}'>&#9473; validation</span>")
    return "<span style='font-size:11px'>" + " &nbsp; ".join(items) + "</span>"


def _top_weights_text(model: nn.Module, feature_names: Sequence[str] | None, k: int) -> str:
    weights = top_k_weights(model, feature_names, k)
    items = ", ".join(f"{html.escape(fw.name)} {fw.weight:+.3f}" for fw in weights)
    return f"<b>{len(weights)} largest weights by |w|:</b> {items}"
