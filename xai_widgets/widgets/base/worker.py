"""One background thread per widget that runs kernel work latest-wins.

A burst of events computes the last one, never a queue of stale ones: a job submitted while
another waits replaces it, and a running job can ask ``is_stale()`` between steps (and from
the kernel's progress callback) to stop early.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections.abc import Callable

Job = Callable[[Callable[[], bool]], None]


_LIVE_WORKERS: weakref.WeakSet[LatestWinsWorker] = weakref.WeakSet()


@atexit.register
def _stop_all_workers() -> None:
    """Let running jobs finish before the interpreter tears torch down under them (a daemon
    thread still inside torch at exit can abort the process)."""
    for worker in list(_LIVE_WORKERS):
        worker.close(timeout=10.0)


class Superseded(Exception):
    """Raised inside a job to stop it because a newer job was submitted."""


class LatestWinsWorker:
    """Runs submitted jobs one at a time on a daemon thread; only the newest pending job runs."""

    def __init__(self, on_error: Callable[[BaseException], None] | None = None, name: str = "xai-widgets") -> None:
        self._condition = threading.Condition()
        self._pending: tuple[int, Job] | None = None
        self._generation = 0
        self._running = False
        self._closed = False
        self._on_error = on_error
        self.jobs_run = 0
        self._thread = threading.Thread(target=self._loop, name=f"{name}-worker", daemon=True)
        self._thread.start()
        _LIVE_WORKERS.add(self)

    def submit(self, job: Job) -> None:
        """Queue ``job(is_stale)``, replacing any job that has not started yet."""
        with self._condition:
            self._generation += 1
            self._pending = (self._generation, job)
            self._condition.notify_all()

    def cancel(self) -> None:
        """Drop the pending job and mark the running one stale, so it stops at its next check."""
        with self._condition:
            self._generation += 1
            self._pending = None
            self._condition.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is pending or running; False on timeout."""
        with self._condition:
            return self._condition.wait_for(lambda: self._pending is None and not self._running, timeout)

    @property
    def busy(self) -> bool:
        """Whether a job is pending or running."""
        with self._condition:
            return self._pending is not None or self._running

    def close(self, timeout: float | None = None) -> None:
        """Drop any pending job, let a running one finish (up to ``timeout``) and stop the thread."""
        with self._condition:
            self._closed = True
            self._pending = None
            self._condition.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _staleness_of(self, generation: int) -> Callable[[], bool]:
        """``is_stale`` for the job of ``generation``: true once a newer job was submitted or cancel() called."""
        return lambda: self._generation != generation

    def _loop(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._pending is not None or self._closed)
                if self._closed or self._pending is None:
                    return
                generation, job = self._pending
                self._pending = None
                self._running = True
            try:
                job(self._staleness_of(generation))
            except Superseded:
                pass
            except BaseException as error:  # a job's failure must not kill the worker
                if self._on_error is not None:
                    self._on_error(error)
            finally:
                with self._condition:
                    self._running = False
                    self.jobs_run += 1
                    self._condition.notify_all()
