"""The image sweep and the training monitor render and respond in a real JupyterLab.

The ImageSweepExplorer on the integrated-gradients path: the chart draws the integrand, running
sum and reference line, the heatmap paints, and dragging the slider reaches Python and repaints
the heatmap. The TrainingMonitor: a training loop in the notebook draws its loss curve and weight
bars in the page, with the five largest weights written out.
"""

from __future__ import annotations

import json

import pytest

from .lab import (
    canvas_fingerprint_js,
    canvas_pixels,
    distinct_colours,
    open_notebook,
    read_js,
    run_all_cells,
    run_cell,
    save_screenshot,
    wait_for_change,
)

pytestmark = pytest.mark.browser

SWEEP_SETUP = """\
import json
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

shapes = make_shapes(4, seed=3)
sweep = xw.SweepExplorer(xw.Explainer(load_shapes_model()), shapes.images, class_names=shapes.class_names)
sweep.panel.kind = "ig_path"
sweep
"""

SWEEP_STATE = """\
assert sweep.wait(60)
panel = sweep.panel
print(json.dumps({"kind": panel.kind, "amount": panel.amount, "error": panel.error, "status": panel.status,
                  "calls": panel.kernel_calls}))
"""

HEATMAP = ".xw-image-sweep .xw-heatmap canvas.xw-canvas"

MONITOR_SETUP = """\
import time
import torch
from torch import nn
import xai_widgets as xw
from xai_widgets.zoo import load_tabular

data = load_tabular("diabetes")
model = nn.Linear(10, 1)
monitor = xw.TrainingMonitor(model, data.feature_names, data.X, min_interval=0.05)
display(monitor)
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(60):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(data.X)[:, 0], data.y)
    loss.backward()
    optimizer.step()
    monitor.update(epoch=epoch, train_loss=loss.item(), val_loss=loss.item() * 1.1, model=model)
    time.sleep(0.01)
monitor.flush()
"""


def test_image_sweep_follows_the_slider_in_the_browser(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("image_sweep.ipynb", [SWEEP_SETUP]))
    run_all_cells(page)
    state = json.loads(run_cell(page, SWEEP_STATE, expect_output=True))
    assert state["kind"] == "ig_path" and state["error"] == "", state
    # integrand, running sum and the F(x) - F(x0) reference are drawn
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.xw-image-sweep path.line'))"
        ".filter(p => (p.getAttribute('d') || '').length > 20).length >= 3"
    )
    canvas = page.locator(HEATMAP).first
    canvas.wait_for(state="visible")
    assert distinct_colours(canvas_pixels(canvas)) > 50, "the sweep heatmap is (nearly) one flat colour"

    fingerprint = canvas_fingerprint_js(HEATMAP)
    before = read_js(page, fingerprint)
    track = page.locator(".xw-image-sweep .noUi-target").first.bounding_box()
    handle = page.locator(".xw-image-sweep .noUi-handle").first.bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(track["x"] + 0.4 * track["width"], y, steps=8)
    page.mouse.up()
    wait_for_change(page, fingerprint, before, timeout_ms=60_000)
    after = json.loads(run_cell(page, SWEEP_STATE, expect_output=True))
    assert after["amount"] != state["amount"] and 0.2 < after["amount"] < 0.6, after
    assert after["error"] == "" and after["status"] == "idle", after
    save_screenshot(page, "image_sweep_ig_path", page.locator(".xw-image-sweep"))
    browser_errors.assert_no_page_errors()


def test_training_monitor_draws_while_the_loop_runs(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("monitor.ipynb", [MONITOR_SETUP]))
    run_all_cells(page)
    # the loss curve has a point per epoch and the weights view a bar per feature
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.jp-OutputArea path.line'))"
        ".some(p => (p.getAttribute('d') || '').split(/[ML]/).length > 50)",
        timeout=60_000,
    )
    page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea rect.bar').length >= 10")
    text = page.locator(".jp-OutputArea").first.inner_text()
    assert "bmi" in text and "s5" in text, text[:500]
    save_screenshot(page, "training_monitor", page.locator(".jp-OutputArea").first)
    browser_errors.assert_no_page_errors()
