"""BaseView: what every view shares: one latest-wins worker, status, error, progress with a
cancel button for long kernel calls, kernel-call counting, and ``close()``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import ipywidgets as w
import traitlets as t

from ...kernel import ExplainerError
from .status_bar import StatusBar
from .worker import LatestWinsWorker, Superseded

STATUSES = ("idle", "computing", "error")
# A call expected to take longer than this (its last run did, or this one already has) shows the bar.
SHOW_PROGRESS_AFTER_S = 0.5
# Progress reaches the browser at most this often, so a fast stream of passes costs no messages.
PROGRESS_INTERVAL_S = 0.1

Result = TypeVar("Result")


class Cancelled(Exception):
    """Raised inside a job to stop it because the user pressed Cancel."""


class Work:
    """What a job of a view gets: ``check()`` between steps and ``call()`` for each kernel call."""

    def __init__(self, view: BaseView, is_stale: Callable[[], bool]) -> None:
        self._view = view
        self._is_stale = is_stale

    def check(self, _fraction: float = 0.0) -> None:
        """Stop the job if the user cancelled it or a newer one is waiting."""
        if self._is_stale():
            raise Cancelled if self._view._cancel_requested else Superseded

    def call(self, name: str, function: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
        """``function(*args, progress=..., **kwargs)``, counted in ``kernel_calls[name]`` and timed.

        The progress callback stops the call at its next batched pass when the job is stale or
        cancelled, and moves the status bar, which shows when the call is expected to be long.
        """
        view = self._view
        view.count_call(name)
        start = time.perf_counter()
        shown = view.expected_seconds(name) >= SHOW_PROGRESS_AFTER_S
        last_sent = start
        if shown:
            view._start_progress(name)

        def progress(fraction: float) -> None:
            nonlocal shown, last_sent
            self.check()
            now = time.perf_counter()
            if not shown and now - start >= SHOW_PROGRESS_AFTER_S:
                shown = True
                view._start_progress(name)
            if shown and now - last_sent >= PROGRESS_INTERVAL_S:
                last_sent = now
                view._show_progress(name, fraction, now - start)

        cancelled = False
        try:
            result = function(*args, progress=progress, **kwargs)
        except Cancelled:
            cancelled = True
            raise
        finally:
            if shown and not cancelled:
                view._end_progress()
        view._expected_s[name] = time.perf_counter() - start
        return result


class BaseView(w.VBox):
    """A view that asks the kernel for its numbers on a background worker, latest-wins.

    Subclasses call ``super().__init__()`` first, build their parts, set ``self.children`` with
    :meth:`set_parts` (the status bar goes on top), implement :meth:`_update` (bring what is shown
    up to date with the traits; return an error text, "" when all went well) and call
    :meth:`refresh` whenever a trait that needs the kernel changes. The base keeps ``status``,
    ``error``, ``elapsed_ms`` and ``progress``, counts kernel calls in ``kernel_calls``
    and shows a status bar with a Cancel button for calls expected to take longer than half a
    second. A view keeps working after an error or a cancel.
    """

    # Python-side traits (observe and link them in Python): the browser sees them through the
    # status bar and each view's own display. Synced on the box itself they cost a frame or two
    # per update: each change of a Box model's state is a message that JupyterLab handles before
    # the canvas's next one (measured: the explorer's click-to-map p50 went from 37 to 70 ms).
    status = t.Enum(STATUSES, "idle")
    error = t.Unicode("")
    elapsed_ms = t.Float(0.0)
    progress = t.Float(0.0, min=0.0, max=1.0)
    kernel_calls = t.Dict(value_trait=t.Int())

    worker_name = "view"

    def __init__(self, **kwargs: Any) -> None:
        self._worker: LatestWinsWorker | None = None
        self._cancel_requested = False
        self._expected_s: dict[str, float] = {}
        self.status_bar = StatusBar(on_cancel=self.cancel)
        super().__init__(**kwargs)

    # ---- for subclasses ------------------------------------------------------------------------
    def set_parts(self, parts: Iterable[w.Widget]) -> None:
        """Show ``parts`` top to bottom under the status bar (at the top, where the eye is after a
        click on a chip, menu or slider; below a tall view it would go unseen)."""
        self.children = [self.status_bar, *parts]

    def refresh(self) -> None:
        """Bring the view up to date with its traits on the worker (a burst computes the last state)."""
        self._cancel_requested = False
        self.worker.submit(self._run)

    def _update(self, work: Work) -> str:
        """Compute what changed and show it; return an error text ("" when everything worked)."""
        raise NotImplementedError

    def _parts(self) -> list[w.Widget]:
        """Widgets to close with the view beyond those shown in it (override to add off-screen ones)."""
        return []

    # ---- for users, scripts and tests ------------------------------------------------------------
    @property
    def worker(self) -> LatestWinsWorker:
        """The view's worker thread, started on first use."""
        if self._worker is None:
            self._worker = LatestWinsWorker(on_error=self._report_unexpected, name=self.worker_name)
        return self._worker

    def expected_seconds(self, name: str) -> float:
        """How long the last kernel call named ``name`` took (0 before its first run)."""
        return self._expected_s.get(name, 0.0)

    def count_call(self, name: str) -> None:
        """Add one to ``kernel_calls[name]``."""
        self.kernel_calls = {**self.kernel_calls, name: self.kernel_calls.get(name, 0) + 1}

    def cancel(self) -> None:
        """Stop the running kernel call at its next batched pass; the view says "cancelled" and keeps working."""
        self._cancel_requested = True
        if self._worker is not None:
            self._worker.cancel()

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until the worker is idle (for scripts and tests); False on timeout."""
        return True if self._worker is None else self._worker.wait_idle(timeout)

    def close(self) -> None:
        """Stop the worker thread and close every widget of the view."""
        # Also called by Widget.__del__, on views whose __init__ failed part-way.
        worker = getattr(self, "_worker", None)
        if worker is not None:
            worker.close(timeout=10.0)
        roots = [*getattr(self, "children", ()), *self._parts()]
        status_bar = getattr(self, "status_bar", None)
        if status_bar is not None:
            roots.append(status_bar)
        close_widgets(roots)
        super().close()

    # ---- the job around _update (worker thread) ----------------------------------------------------
    def _run(self, is_stale: Callable[[], bool]) -> None:
        self.status = "computing"
        self.status_bar.hide()  # a "cancelled" note belongs to the job before
        start = time.perf_counter()
        try:
            error = self._update(Work(self, is_stale))
        except Cancelled:
            self.status_bar.say("cancelled")
            self.error, self.status = "", "idle"
            return
        except ExplainerError as failure:
            error = str(failure)
        self.elapsed_ms = (time.perf_counter() - start) * 1000.0
        self.error = error
        self.status = "error" if error else "idle"

    def _start_progress(self, name: str) -> None:
        self.progress = 0.0
        self.status_bar.start(name)

    def _show_progress(self, name: str, fraction: float, elapsed_s: float) -> None:
        self.progress = min(max(fraction, 0.0), 1.0)
        self.status_bar.show_progress(name, fraction, elapsed_s)

    def _end_progress(self) -> None:
        self.progress = 1.0
        self.status_bar.hide()

    def _report_unexpected(self, error: BaseException) -> None:
        self.status_bar.hide()
        self.error, self.status = f"{type(error).__name__}: {error}", "error"


def close_widgets(roots: Iterable[Any]) -> None:
    """Close each widget and everything inside it (box children; a bqplot figure's marks and axes)."""
    stack = [root for root in roots if root is not None]
    while stack:
        widget = stack.pop()
        for attribute in ("children", "marks", "axes"):
            stack.extend(getattr(widget, attribute, None) or ())
        if isinstance(widget, w.Widget):
            widget.close()
