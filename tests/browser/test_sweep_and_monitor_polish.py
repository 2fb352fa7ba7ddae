"""Issue 10, defects 2, 7 and 11, in a real JupyterLab.

2. The image sweep after the IG path: switched to brightness in the page, the chart's key lists
   only the drawn curves, under the chart (no legend over the curves), p(class) runs 0..1, and
   the heatmap has a title (method, class, kind and amount) and a sequential colormap labelled
   from 0 for the unsigned saliency map.
7. The TrainingMonitor redraws while the loop runs (notebook 02 itself, and a loop without
   ``flush()``), and the page's last point is the last epoch, drawn while the cell still runs.
11. Notebook 02 opens on the project's kernel, "Python (xai_widgets)".
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from .lab import (
    REPO_ROOT,
    canvas_pixels,
    open_notebook,
    run_all_cells,
    run_cell,
    save_screenshot,
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
print(json.dumps({"kind": panel.kind, "error": panel.error, "status": panel.status,
                  "target": shapes.class_names[int(panel.curves.target[0])] if panel.kind != "ig_path" else None}))
"""

# JS: the sweep chart's figure, its key, bqplot legends and the vertical axis's tick labels.
CHART_DOM = """
() => {
  const root = document.querySelector(".xw-image-sweep");
  const figure = root.querySelector(".bqplot");
  const key = root.querySelector(".xw-sweep-key");
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const legends = Array.from(figure.querySelectorAll("g.legend")).filter((g) => g.getBBox().width > 0);
  const axes = Array.from(figure.querySelectorAll("g.axis"));
  const ticks = axes.map((axis) => ({
    label: Array.from(axis.querySelectorAll("text.axislabel")).map((t) => t.textContent).join(""),
    ticks: Array.from(axis.querySelectorAll(".tick text")).map((t) => t.textContent),
  }));
  const plot = figure.querySelector(".plotarea_events") || figure.querySelector("svg");
  return {
    figure: box(figure), plot: box(plot), key: key ? box(key) : null, keyText: key ? key.innerText : null,
    legendText: legends.map((g) => g.textContent).join("|"), ticks,
    title: (root.querySelector(".xw-sweep-map-title") || {}).innerText || null,
    colorbar: Array.from(root.querySelectorAll(".xw-colorbar-labels span")).map((s) => s.textContent),
  };
}
"""


def test_image_sweep_after_the_ig_path_shows_only_its_curves_on_0_to_1_and_a_titled_map(
    page, lab_server, browser_errors, notebook_file
):
    open_notebook(page, lab_server, notebook_file("sweep_polish.ipynb", [SWEEP_SETUP]))
    run_all_cells(page)
    assert json.loads(run_cell(page, SWEEP_STATE, expect_output=True))["kind"] == "ig_path"
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.xw-image-sweep path.line'))"
        ".filter(p => (p.getAttribute('d') || '').length > 20).length >= 3"
    )
    save_screenshot(page, "image_sweep_polish_ig_path", page.locator(".xw-image-sweep"))

    # The user picks "brightness" in the page's sweep menu.
    page.locator(".xw-image-sweep select").first.select_option("brightness")
    state = json.loads(run_cell(page, SWEEP_STATE, expect_output=True))
    assert state["kind"] == "brightness" and state["error"] == "" and state["status"] == "idle", state
    target = state["target"]
    page.wait_for_function(
        "(label) => { const k = document.querySelector('.xw-image-sweep .xw-sweep-key');"
        " return !!k && k.innerText.includes(label); }",
        arg=f"p({target})",
    )
    page.wait_for_function(
        "() => { const t = document.querySelector('.xw-image-sweep .xw-sweep-map-title');"
        " return !!t && t.innerText.includes('brightness'); }"
    )
    page.wait_for_timeout(300)  # a frame or two for the colorbar after the last trait change
    dom = page.evaluate(CHART_DOM)

    # The key names only the drawn curve (and the cursor), and sits under the plot, not over it.
    assert "running sum" not in dom["keyText"] and "F(x)" not in dom["keyText"], dom["keyText"]
    assert f"p({target})" in dom["keyText"], dom["keyText"]
    assert dom["legendText"] == "", f"a bqplot legend is drawn inside the plot: {dom['legendText']!r}"
    assert dom["key"][1] >= dom["figure"][3] - 1, f"the key overlaps the chart: {dom}"

    # p(class) on a fixed 0..1 axis: the vertical axis's ticks run from 0 to 1.
    vertical = [axis["ticks"] for axis in dom["ticks"] if axis["label"] == f"p({target})"]
    assert vertical, f"no axis is labelled p({target}): {dom['ticks']}"
    values = [float(t) for t in vertical[0]]
    assert min(values) == 0.0 and max(values) == 1.0, vertical[0]

    # The heatmap's title names the method, the class, the kind and the amount; saliency is
    # unsigned, so a sequential map labelled from 0 up (no -/+ labels).
    title = dom["title"]
    assert "saliency" in title and target in title and "brightness 0" in title, title
    labels = dom["colorbar"]
    assert labels[0] == "0" and not any(label.startswith(("−", "-", "+")) for label in labels), labels
    strip = canvas_pixels(page.locator(".xw-image-sweep .xw-colorbar-canvas").first)[0, :, :3].astype(int)
    assert strip[0].sum() < 60 and strip[-1][0] > 200 and strip[-1][2] < 200, "not inferno (dark to yellow)"
    assert not np.all(strip[len(strip) // 2] > 230), "the colorbar's middle is white: a diverging map"
    save_screenshot(page, "image_sweep_polish_brightness", page.locator(".xw-image-sweep"))
    browser_errors.assert_no_page_errors()


# JS: record, every 20 ms, the train-loss line's path and whether a cell is still running.
RECORD_LOSS_LINE = """
(colour) => {
  const record = { changes: [], last: null, busy: [] };
  window.__xwLoss = record;
  const read = () => {
    const lines = Array.from(document.querySelectorAll(".jp-OutputArea path.line"));
    const line = lines.find((p) => getComputedStyle(p).stroke === colour);
    return line ? line.getAttribute("d") || "" : "";
  };
  record.timer = setInterval(() => {
    const panel = window.jupyterapp.shell.currentWidget;
    // A cell still running shows "[*]" in its prompt.
    const prompts = panel ? Array.from(panel.node.querySelectorAll(".jp-InputPrompt")) : [];
    const busy = prompts.some((prompt) => prompt.textContent.includes("*"));
    const d = read();
    if (d !== record.last) {
      record.last = d;
      record.changes.push({ t: performance.now(), busy, points: d ? d.split(/[ML]/).length - 1 : 0 });
    }
  }, 20);
}
"""
TRAIN_COLOUR = "rgb(76, 120, 168)"  # TrainingMonitor.TRAIN_COLOUR, #4c78a8


def loss_line_record(page) -> list[dict]:
    return page.evaluate("() => { clearInterval(window.__xwLoss.timer); return window.__xwLoss.changes; }")


def assert_live(changes: list[dict], n_epochs: int) -> None:
    during = [change for change in changes if change["busy"] and change["points"] > 0]
    gaps = np.diff([change["t"] for change in during]) / 1000
    assert len(during) >= 8, f"the loss curve changed only {len(during)} times while the loop ran: {changes}"
    assert np.median(gaps) < 0.3, f"redraws every {np.median(gaps):.2f} s (median) while the loop ran: {gaps}"
    assert changes[-1]["points"] == n_epochs, f"the last drawn curve has {changes[-1]['points']} points"


def test_notebook_02_opens_on_the_projects_kernel_and_its_monitor_is_live(page, lab_server, browser_errors):
    shutil.copy(REPO_ROOT / "notebooks" / "02-linear-weights.ipynb", lab_server.root_dir / "02-linear-weights.ipynb")
    open_notebook(page, lab_server, "02-linear-weights.ipynb")
    kernel = page.evaluate(
        "() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;"
        " return { display: s.kernelDisplayName, name: s.session.kernel.name }; }"
    )
    assert kernel == {"display": "Python (xai_widgets)", "name": "xai-widgets"}, kernel
    assert page.locator(".jp-Dialog").count() == 0, "a dialog (kernel choice?) opened over the notebook"
    save_screenshot(page, "notebook_02_kernel")

    page.evaluate(RECORD_LOSS_LINE, TRAIN_COLOUR)
    run_all_cells(page)
    changes = loss_line_record(page)
    assert_live(changes, n_epochs=300)
    monitor = page.locator(".jp-OutputArea-output").filter(has=page.locator(".bqplot")).first
    monitor.scroll_into_view_if_needed()
    save_screenshot(page, "notebook_02_monitor", monitor)
    browser_errors.assert_no_page_errors()


MONITOR_WITHOUT_FLUSH = """\
import time
import torch
from torch import nn
import xai_widgets as xw
from xai_widgets.zoo import load_tabular

data = load_tabular("diabetes")
torch.manual_seed(0)
model = nn.Linear(10, 1)
monitor = xw.TrainingMonitor(model, data.feature_names, data.X)
display(monitor)
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(157):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(data.X)[:, 0], data.y)
    loss.backward()
    optimizer.step()
    monitor.update(epoch=epoch, train_loss=loss.item(), model=model)
    time.sleep(0.02)
time.sleep(2)  # the cell goes on after the loop (evaluation, saving...): the last epoch shows meanwhile
"""


def test_a_loop_without_flush_redraws_while_it_runs_and_ends_on_its_last_epoch(
    page, lab_server, browser_errors, notebook_file
):
    open_notebook(page, lab_server, notebook_file("monitor_no_flush.ipynb", ["import time"]))
    run_all_cells(page)
    page.evaluate(RECORD_LOSS_LINE, TRAIN_COLOUR)
    run_cell(page, MONITOR_WITHOUT_FLUSH)
    page.wait_for_timeout(500)  # the drawing of the last state, queued when the cell ended
    changes = loss_line_record(page)
    assert_live(changes, n_epochs=157)
    last = [change for change in changes if change["points"] == 157]
    assert last and last[0]["busy"], f"the last epoch was drawn only after the cell ended: {changes[-3:]}"
    assert run_cell(page, "print(monitor.epochs[-1], list(monitor.train_line.x)[-1])") == "156.0 156.0"
    save_screenshot(
        page, "monitor_no_flush", page.locator(".jp-OutputArea-output").filter(has=page.locator(".bqplot")).first
    )
    browser_errors.assert_no_page_errors()
