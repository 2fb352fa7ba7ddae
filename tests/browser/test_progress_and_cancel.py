"""Long kernel work in a real JupyterLab: the view shows a progress bar with the time left, its
Cancel button stops the kernel call within one batched pass, and the view keeps working after.

The model sleeps in every forward pass and the explainer's memory budget is tiny, so occlusion
runs as many short passes; the test counts the passes that start after the click.
"""

from __future__ import annotations

import json

import pytest

from .lab import open_notebook, run_all_cells, run_cell, save_screenshot

pytestmark = pytest.mark.browser

SETUP = """\
import json
import time
import torch
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes


class SlowModel(torch.nn.Module):
    \"\"\"The shapes CNN, sleeping ``delay`` seconds in every forward pass, which it counts. Both in a
    forward hook: occlusion traces a plain CNN once and recomputes patches without calling its
    forward per pass, and a model with hooks runs whole passes.\"\"\"

    def __init__(self):
        super().__init__()
        self.inner = load_shapes_model()
        self.delay = 0.05
        self.calls = 0
        self.register_forward_pre_hook(self._slow_down)

    def _slow_down(self, _module, _inputs):
        self.calls += 1
        time.sleep(self.delay)

    def forward(self, x):
        return self.inner(x)


slow = SlowModel()
data = make_shapes(4, seed=7)
explorer = xw.ImageExplorer(xw.Explainer(slow, memory_budget=2**18), data.images, data.labels, data.class_names,
                            methods=["occlusion"])
explorer.set_params("occlusion", window=8, stride=4)
# Runs after the view's own handler: the passes started from here on are the ones cancel let through.
calls_at_cancel = []
explorer.status_bar.cancel_button.on_click(lambda _button: calls_at_cancel.append(slow.calls))
explorer
"""

STATE = """\
assert explorer.wait(120)
panel = explorer.canvas.panels.get("occlusion", {})
print(json.dumps({
    "calls": slow.calls, "calls_at_cancel": calls_at_cancel, "status": explorer.status,
    "note": explorer.status_bar.label.value, "panel_error": panel.get("error"), "has_values": "values" in panel,
    "sample_index": explorer.canvas.sample_index, "kernel_calls": explorer.kernel_calls,
}))
"""

BAR = ".xw-image-explorer .xw-status-bar"


def test_cancel_button_stops_long_work_and_the_view_keeps_working(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("progress_and_cancel.ipynb", [SETUP]))
    run_all_cells(page)

    # The bar shows once the call has run half a second, then counts up with the time left.
    bar = page.locator(BAR)
    bar.wait_for(state="visible", timeout=30_000)
    page.wait_for_function(
        f"() => /\\d+% · about .* left/.test(document.querySelector('{BAR}')?.textContent || '')", timeout=30_000
    )
    label = bar.inner_text()
    assert "occlusion" in label and "left" in label, label
    save_screenshot(page, "progress_bar", page.locator(".xw-image-explorer"))

    page.locator(f"{BAR} .xw-cancel").click()
    state = json.loads(run_cell(page, STATE, expect_output=True))
    assert len(state["calls_at_cancel"]) == 1, state
    assert state["calls"] - state["calls_at_cancel"][0] <= 1, f"more than one pass after cancel: {state}"
    assert state["status"] == "idle" and state["note"] == "cancelled", state
    assert state["panel_error"] == "cancelled" and not state["has_values"], state
    page.wait_for_function(f"() => (document.querySelector('{BAR}')?.textContent || '').includes('cancelled')")

    # Still working: a fast model now, and a gallery click computes the new sample's map.
    run_cell(page, "slow.delay = 0.0")
    page.locator(".xw-gallery-item").nth(1).click()
    page.wait_for_function(
        "() => { const c = document.querySelector('.xw-panel[data-method=\"occlusion\"]');"
        " return !!c && c.getAttribute('data-status') === 'idle'; }",
        timeout=60_000,
    )
    state = json.loads(run_cell(page, STATE, expect_output=True))
    assert state["sample_index"] == 1 and state["has_values"] and state["status"] == "idle", state
    assert not bar.is_visible() or "cancelled" not in bar.inner_text()
    browser_errors.assert_no_page_errors()
