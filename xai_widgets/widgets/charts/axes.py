"""Axes shared by the bqplot charts: round ticks whose labels never repeat, and the room that
names written beside horizontal bars need."""

from __future__ import annotations

import math
from collections.abc import Sequence

import bqplot as bq

# At most this many tick intervals on a value axis: labels stay apart. "~g" prints a round tick
# short (0.2, 0.0015, 5e-05, 100) and two of them differently.
VALUE_TICKS = 5
TICK_FORMAT = "~g"
PROBABILITY_TICKS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
# Average glyph width (px) of a 10-11 px tick font: room for names written left of horizontal bars.
_GLYPH_PX = 7.2
_LABEL_GAP_PX = 18


def nice_ticks(low: float, high: float, count: int = VALUE_TICKS) -> list[float]:
    """At most ``count`` + 1 evenly spaced round ticks (1, 2 or 5 times a power of ten apart) that
    cover ``low``..``high``, rounded so that ``TICK_FORMAT`` prints each of them short and differently.

    bqplot's own ticks with a fixed format repeat ("0.6, 0.6, 0.5, 0.5" from ".1f" on ticks 0.05
    apart) or print float noise ("-0.0000543548" from "~g" on an unrounded domain).
    """
    low, high = float(min(low, high)), float(max(low, high))
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    # A flat range, or one too narrow for six significant digits, is widened around its middle.
    span, magnitude = high - low, max(abs(low), abs(high))
    if span < 1e-4 * magnitude or span == 0:
        span = 0.2 * magnitude or 1.0
    if span > high - low:
        middle = (low + high) / 2
        low, high = middle - span / 2, middle + span / 2
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return [round(k * step, decimals) + 0.0 for k in range(first, last + 1)]


def set_value_axis(axis: bq.Axis, scale: bq.LinearScale, low: float, high: float, count: int = VALUE_TICKS) -> None:
    """Round ticks over ``low``..``high`` on ``axis`` (whose format stays ``TICK_FORMAT``: bqplot
    can miss a format change made while it draws the figure), its scale fixed to the end ticks."""
    ticks = nice_ticks(low, high, count)
    with scale.hold_sync():
        scale.min, scale.max = ticks[0], ticks[-1]
    axis.tick_values = ticks


def name_margin(labels: Sequence[str], minimum: int = 60) -> int:
    """Left margin (px) that fits the longest of ``labels`` written horizontally beside the bars."""
    longest = max((len(label) for label in labels), default=0)
    return max(minimum, math.ceil(longest * _GLYPH_PX) + _LABEL_GAP_PX)
