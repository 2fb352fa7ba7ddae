"""Progress callbacks of long kernel calls: called with the fraction done after each batched pass;
an exception raised from one stops the call (a view's cancel button)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float], None]


def stage(progress: Progress | None, start: float, stop: float) -> Progress | None:
    """The callback for one stage of a call that spans ``start``..``stop`` of the whole: the
    stage's own fractions 0..1 are reported scaled into that span."""
    if progress is None:
        return None
    report = progress
    return lambda fraction: report(start + (stop - start) * fraction)
