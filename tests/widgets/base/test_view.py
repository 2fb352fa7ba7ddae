"""BaseView: progress and a status bar for long kernel calls, cancel within one batched pass,
a view that keeps working after a cancel or an error, no bar on the fast path, and latest-wins."""

import threading
import time

import pytest
import torch
import traitlets as t

import xai_widgets as xw
from xai_widgets.widgets.base.view import BaseView, Work

PASS_SECONDS = 0.05


class SlowModel(torch.nn.Module):
    """A linear classifier whose forward sleeps, so that each batched pass takes a known time."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(3 * 8 * 8, 2)
        self.delay = delay

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        time.sleep(self.delay)
        return self.linear(x.flatten(1))


class OcclusionView(BaseView):
    """The smallest view: occlusion of one image with a chosen window, recomputed when it changes."""

    window = t.Int(2).tag(sync=True)

    def __init__(self, explainer: xw.Explainer, image: torch.Tensor) -> None:
        super().__init__()
        self.explainer, self.image, self.result = explainer, image, None
        self.set_parts([])
        self.observe(lambda _change: self.refresh(), names="window")

    def _update(self, work: Work) -> str:
        window = self.window
        self.result = work.call(
            "occlusion", self.explainer.attribute, self.image, "occlusion", window=window, stride=window
        )
        work.check()
        return ""


def slow_view(delay: float = PASS_SECONDS):
    model = SlowModel(delay)
    forwards = []
    model.register_forward_hook(lambda *_args: forwards.append(time.perf_counter()))
    # A budget of one byte puts one occlusion window through the model per pass: 16 windows, 16 passes.
    explainer = xw.Explainer(model, memory_budget=1)
    return OcclusionView(explainer, torch.rand(1, 3, 8, 8)), forwards


def record_bar(view):
    shown, progress = [], []
    view.status_bar.layout.observe(lambda change: shown.append(change["new"] != "none"), names="display")
    view.observe(lambda change: progress.append(change["new"]), names="progress")
    return shown, progress


def test_a_long_call_shows_rising_progress_and_hides_the_bar_when_done():
    view, forwards = slow_view()
    shown, progress = record_bar(view)
    try:
        view.refresh()
        assert view.wait(60) and view.status == "idle" and view.error == ""
        assert view.result is not None and len(forwards) >= 16  # 16 windows, and the unoccluded scores
        assert shown[0] is True and shown[-1] is False, "shown once the call ran 0.5 s, hidden at the end"
        assert len(progress) >= 3 and progress == sorted(progress) and progress[-1] == 1.0
        assert view.kernel_calls == {"occlusion": 1}
        # Now the call is known to be long: the next one shows the bar from its start.
        shown.clear()
        view.window = 4
        assert view.wait(60) and shown[:1] == [True] and not view.status_bar.visible
    finally:
        view.close()


def test_cancel_stops_within_one_pass_says_so_and_the_next_request_computes():
    view, forwards = slow_view()
    started = threading.Event()
    view.observe(lambda change: started.set() if 0.0 < change["new"] < 1.0 else None, names="progress")
    try:
        view.refresh()
        assert started.wait(30)
        at_cancel = len(forwards)
        view.cancel()
        assert view.wait(30)
        assert len(forwards) <= at_cancel + 1, "the call stopped at its next batched pass"
        assert view.status == "idle" and view.error == "" and view.result is None
        assert view.status_bar.visible and "cancelled" in view.status_bar.label.value
        assert view.status_bar.cancel_button.layout.display == "none"
        view.refresh()
        assert view.wait(60) and view.status == "idle" and view.result is not None
        assert not view.status_bar.visible and view.kernel_calls == {"occlusion": 2}
    finally:
        view.close()


def test_the_fast_path_never_shows_the_bar_nor_sends_progress():
    view, _forwards = slow_view(delay=0.0)
    shown, progress = record_bar(view)
    try:
        for window in (1, 2, 4, 2):
            view.window = window
            assert view.wait(30)
        assert shown == [] and progress == [] and not view.status_bar.visible
        assert view.status == "idle" and view.elapsed_ms > 0.0
    finally:
        view.close()


def test_a_burst_of_changes_computes_the_last_one_only():
    view, _forwards = slow_view(delay=0.005)
    try:
        view.refresh()
        for window in [1, 2, 3, 4] * 5:
            view.window = window
        assert view.wait(60) and view.status == "idle"
        assert view.kernel_calls["occlusion"] <= 3, view.kernel_calls
        assert view.result.params["window"] == 4
    finally:
        view.close()


def test_an_error_is_shown_and_the_view_keeps_working():
    view, _forwards = slow_view(delay=0.0)
    try:
        view.window = 64  # larger than the image
        assert view.wait(30)
        assert view.status == "error" and view.error
        view.window = 2
        assert view.wait(30) and view.status == "idle" and view.error == ""
    finally:
        view.close()


def test_an_unexpected_failure_is_reported_and_close_stops_the_worker():
    class Broken(BaseView):
        def _update(self, work: Work) -> str:
            raise RuntimeError("boom")

    view = Broken()
    view.refresh()
    assert view.wait(10) and view.status == "error" and view.error == "RuntimeError: boom"
    view.close()
    assert not view.worker._thread.is_alive() and view.status_bar.comm is None


@pytest.mark.parametrize("name", ["status", "error", "elapsed_ms", "progress", "kernel_calls"])
def test_the_base_traits_stay_in_python_and_link_there(name):
    # Not sent with every update (that cost the explorer a frame or two per click); the browser
    # shows them through the status bar, and Python code observes and links them.
    view, other = BaseView(), BaseView()
    try:
        assert name not in view.get_state()
        link = t.dlink((view, name), (other, name))
        value = {"status": "error", "error": "boom", "elapsed_ms": 12.5, "progress": 0.5, "kernel_calls": {"x": 1}}[
            name
        ]
        setattr(view, name, value)
        assert getattr(other, name) == value
        link.unlink()
    finally:
        view.close()
        other.close()
