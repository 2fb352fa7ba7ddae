"""TrainingMonitor in Python: loss curves and weights equal what the loop reported, throttled
redraws that record every value, and a real kernel that streams updates while the loop runs."""

import json
import time

import numpy as np
import pytest
import torch
from torch import nn

from xai_widgets.widgets.views.training_monitor import TrainingMonitor
from xai_widgets.zoo import load_tabular

NAMES = ["age", "bmi", "bp"]


def test_the_drawn_values_are_the_losses_and_the_weights():
    model = nn.Linear(3, 1)
    monitor = TrainingMonitor(model, NAMES)
    monitor.update(epoch=0, train_loss=torch.tensor(2.5), val_loss=3.0)
    assert monitor.draw_count == 0  # the first draw waits min_interval, or the end of the loop
    monitor.flush()
    assert monitor.draw_count == 1
    assert list(monitor.train_line.x) == [0] and list(monitor.train_line.y) == [2.5]
    assert list(monitor.val_line.y) == [3.0]
    weights = model.weight.detach().numpy()[0]
    order = np.argsort(-weights)
    np.testing.assert_allclose(monitor.weights_view.bars.y, weights[order], rtol=1e-6)
    assert list(monitor.weights_view.bars.x) == [NAMES[i] for i in order]
    assert "largest weights" in monitor.top_weights.value and "epoch 0" in monitor.status_label.value


def test_rapid_updates_are_throttled_but_all_recorded_and_the_last_drawn_on_flush():
    model = nn.Linear(3, 1)
    monitor = TrainingMonitor(model, NAMES, min_interval=0.2)
    for epoch in range(100):
        with torch.no_grad():
            model.weight.add_(0.01)
        monitor.update(epoch=epoch, train_loss=1.0 / (epoch + 1), val_loss=None if epoch % 2 else 2.0 / (epoch + 1))
    assert monitor.draw_count <= 2
    assert monitor.epochs == list(range(100)) and len(monitor.train_losses) == 100
    assert len(monitor.train_line.y) < 100  # not yet drawn
    monitor.flush()
    np.testing.assert_allclose(monitor.train_line.y, [1.0 / (e + 1) for e in range(100)])
    assert list(monitor.val_line.x) == list(range(0, 100, 2))  # epochs without a val loss are skipped
    weights = model.weight.detach().numpy()[0]
    np.testing.assert_allclose(
        sorted(monitor.weights_view.bars.y, reverse=True), sorted(weights, reverse=True), rtol=1e-6
    )
    drawn = monitor.draw_count
    monitor.flush()  # nothing new: no redraw
    assert monitor.draw_count == drawn


def test_final_update_draws_and_waiting_past_min_interval_redraws():
    monitor = TrainingMonitor(min_interval=0.05)
    monitor.update(epoch=0, train_loss=1.0)
    monitor.update(epoch=1, train_loss=0.5)
    assert monitor.draw_count == 0
    # No update for longer than min_interval: a timer draws the last state, without waiting for
    # another update or the end of the cell.
    deadline = time.perf_counter() + 5
    while monitor.draw_count == 0 and time.perf_counter() < deadline:
        time.sleep(0.01)
    assert monitor.draw_count == 1 and list(monitor.train_line.y) == [1.0, 0.5]
    time.sleep(0.06)
    monitor.update(epoch=2, train_loss=0.25)
    assert monitor.draw_count == 2 and list(monitor.train_line.y) == [1.0, 0.5, 0.25]
    monitor.update(epoch=3, train_loss=0.1, final=True)
    assert monitor.draw_count == 3 and list(monitor.train_line.y)[-1] == 0.1
    assert monitor.weights_view is None  # no model: losses only


def test_a_model_given_to_update_gets_a_weights_view_and_a_deep_one_a_note():
    monitor = TrainingMonitor(feature_names=NAMES)
    model = nn.Linear(3, 1)
    monitor.update(epoch=0, train_loss=1.0, model=model, final=True)
    assert (
        monitor.weights_view is not None and monitor.weights_view in monitor.children[2].children
    )  # under the status bar and the loss row
    deep = TrainingMonitor(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)))
    assert deep.weights_view is None and "no weights view" in deep.top_weights.value
    layered = TrainingMonitor(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)), layer="0")
    layered.update(epoch=0, train_loss=1.0, final=True)
    assert np.asarray(layered.weights_view.heatmap.color).shape == (4, 3)


def test_correlated_features_are_flagged_in_the_monitor():
    data = load_tabular("diabetes")
    X = torch.cat([data.X, data.X[:, 2:3]], dim=1)  # bmi twice
    names = [*data.feature_names, "bmi (copy)"]
    monitor = TrainingMonitor(nn.Linear(11, 1), names, X)
    assert monitor.weights_view.flagged == ["bmi", "bmi (copy)"]
    assert "split a weight" in monitor.weights_view.warning.value


TRAINING_CELL = """
import time, torch
from torch import nn
from IPython.display import display
from xai_widgets.widgets.views.training_monitor import TrainingMonitor
from xai_widgets.zoo import load_tabular

data = load_tabular("diabetes")
model = nn.Linear(10, 1)
monitor = TrainingMonitor(model, data.feature_names, data.X, min_interval=0.05)
display(monitor)
print("IDS", monitor.train_line.model_id, monitor.top_weights.model_id, flush=True)
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(40):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(data.X).squeeze(1), data.y)
    loss.backward()
    optimizer.step()
    monitor.update(epoch=epoch, train_loss=loss.detach())
    time.sleep(0.01)
print("LOOP DONE", flush=True)
monitor.flush()
"""


@pytest.mark.slow
def test_updates_reach_the_front_end_while_the_loop_runs_in_a_real_kernel():
    from jupyter_client import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        msg_id = client.execute(TRAINING_CELL)
        ids, events = None, []  # ("update", comm_id) or ("done",) in iopub order
        while True:
            message = client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "error":
                pytest.fail("\n".join(content["traceback"]))
            if kind == "stream" and "IDS" in content["text"]:
                ids = content["text"].split("IDS", 1)[1].split()[:2]
            if kind == "stream" and "LOOP DONE" in content["text"]:
                events.append(("done",))
            if kind == "comm_msg" and content["data"].get("method") == "update":
                events.append(("update", content["comm_id"], json.dumps(content["data"].get("state", {}))))
            if kind == "status" and content["execution_state"] == "idle":
                break
        reply = client.get_shell_msg(timeout=30)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

    assert ids, "the cell did not print the monitor's widget ids"
    line_id, text_id = ids
    during = events[: events.index(("done",))]
    # Several redraws of the loss line and of the top-five text arrived before the loop ended.
    assert sum(1 for event in during if event[1] == line_id and '"y"' in event[2]) >= 2
    assert any(event[1] == text_id and "largest weights" in event[2] for event in during)


def test_a_slow_draw_never_stretches_the_gap_past_live_gap_and_the_last_state_is_drawn():
    model = nn.Linear(3, 1)
    monitor = TrainingMonitor(model, NAMES, min_interval=0.05)
    refresh = monitor.weights_view.refresh

    def slow_refresh(*args, **kwargs):  # a 20 ms draw: the 2% budget alone would wait 1 s
        time.sleep(0.02)
        return refresh(*args, **kwargs)

    monitor.weights_view.refresh = slow_refresh
    draws, start = [], time.perf_counter()
    for epoch in range(150):
        time.sleep(0.01)
        before = monitor.draw_count
        monitor.update(epoch=epoch, train_loss=1.0 / (epoch + 1))
        if monitor.draw_count > before:
            draws.append(time.perf_counter())
    gaps = np.diff([start, *draws])
    assert len(draws) >= 5 and gaps.max() < 0.2 + 0.1, gaps  # LIVE_GAP, plus an epoch and a draw
    monitor.flush()
    assert list(monitor.train_line.x)[-1] == 149 and list(monitor.train_line.y)[-1] == 1.0 / 150


def test_the_key_under_the_chart_names_only_the_curves_drawn():
    monitor = TrainingMonitor(min_interval=0.0)
    assert not any(line.display_legend for line in (monitor.train_line, monitor.val_line))
    monitor.update(epoch=0, train_loss=1.0, final=True)
    assert "train" in monitor.key.value and "validation" not in monitor.key.value
    monitor.update(epoch=1, train_loss=0.5, val_loss=0.7, final=True)
    assert "validation" in monitor.key.value
