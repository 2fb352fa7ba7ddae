"""The latest-wins worker: a burst runs the first and the last job, errors do not stop it."""

import threading
import time

from xai_widgets.widgets.base.worker import LatestWinsWorker, Superseded


def test_a_burst_runs_only_the_running_job_and_the_last_one():
    ran = []
    gate = threading.Event()

    def job(value):
        def run(is_stale):
            if value == 0:
                gate.wait(5)
            ran.append(value)

        return run

    worker = LatestWinsWorker()
    worker.submit(job(0))
    time.sleep(0.05)
    for value in range(1, 20):
        worker.submit(job(value))
    gate.set()
    assert worker.wait_idle(5)
    assert ran == [0, 19]
    worker.close(timeout=5)


def test_a_running_job_sees_it_is_stale_and_can_stop():
    seen = []
    started = threading.Event()

    def slow(is_stale):
        started.set()
        for _ in range(200):
            if is_stale():
                seen.append("stopped")
                raise Superseded
            time.sleep(0.01)
        seen.append("finished")

    worker = LatestWinsWorker()
    worker.submit(slow)
    started.wait(5)
    worker.submit(lambda is_stale: seen.append("next"))
    assert worker.wait_idle(5)
    assert seen == ["stopped", "next"]
    worker.close(timeout=5)


def test_an_error_is_reported_and_the_worker_keeps_going():
    errors = []
    worker = LatestWinsWorker(on_error=errors.append)
    worker.submit(lambda is_stale: 1 / 0)
    assert worker.wait_idle(5)
    done = []
    worker.submit(lambda is_stale: done.append(True))
    assert worker.wait_idle(5)
    assert isinstance(errors[0], ZeroDivisionError) and done == [True]
    worker.close(timeout=5)
    assert not worker._thread.is_alive()
