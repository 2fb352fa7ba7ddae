"""A live view says it is disconnected once its kernel is restarted or dies (issue 10, defect 12).

The widget manager (jupyterlab_widgets 3.0.17, JupyterLab 4) marks a live view disconnected when
its kernel restarts, whether from the Kernel menu or after the kernel died; the view's banner then
says so and stops clicks that nothing would answer. (ipykernel 7 handles comm messages while a
cell runs, so a busy kernel still answers clicks: no banner is needed for that.)
"""

from __future__ import annotations

import pytest

from .lab import click_cell, open_notebook, read_js, run_all_cells, run_cell, save_screenshot

pytestmark = pytest.mark.browser

SETUP = """\
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

data = make_shapes(4, seed=3)
explorer = xw.ImageExplorer(xw.Explainer(load_shapes_model()), data.images, data.labels, data.class_names,
                            methods=["saliency"])
explorer
"""
GRID = (64, 64)
BANNER = ".xw-explorer .xw-disconnected-banner"
CANVAS = ".xw-panel[data-method=saliency] canvas.xw-panel-canvas"
KERNEL = "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
BANNER_JS = f"() => {{ const b = document.querySelector({BANNER!r}); return [b.hidden, b.textContent]; }}"
# What "Restart Kernel" runs once its dialog is confirmed; and a kernel that dies (JupyterLab restarts it).
RESTARTS = {
    "restart": f"() => {KERNEL}.restart()",
    "death": f"() => {{ {KERNEL}.requestExecute({{code: 'import os; os._exit(1)'}}); }}",
}


@pytest.mark.parametrize("how", sorted(RESTARTS))
def test_after_the_kernel_restarts_the_view_says_it_is_disconnected(
    how, page, notebook_file, lab_server, browser_errors
):
    open_notebook(page, lab_server, notebook_file(f"kernel_{how}.ipynb", [SETUP]))
    run_all_cells(page)
    assert run_cell(page, "print(explorer.wait(120))", expect_output=True).strip() == "True"
    hidden, text = read_js(page, BANNER_JS)
    assert hidden, f"the banner shows while the kernel is live: {text!r}"

    page.evaluate(RESTARTS[how])
    page.wait_for_function(f"() => !document.querySelector({BANNER!r}).hidden", timeout=60_000)
    # Until JupyterLab has a kernel again (a dead one is restarted by its nanny).
    page.wait_for_function(f"() => {KERNEL}.status === 'idle'", timeout=60_000, polling=200)
    page.wait_for_timeout(1000)
    # A death is announced by a dialog ("the kernel appears to have died"): the user closes it first.
    for button in page.locator(".jp-Dialog .jp-mod-accept").all():
        button.click()
    _, text = read_js(page, BANNER_JS)
    assert text == "Disconnected from the kernel: run the notebook's cells to recompute.", text
    assert read_js(page, "() => document.querySelector('.xw-explorer').dataset.disconnected") == "true"
    # A click now is stopped (and the banner flashes) rather than silently lost.
    click_cell(page, page.locator(CANVAS).first, 30, 30, GRID)
    assert read_js(page, f"() => document.querySelector({BANNER!r}).classList.contains('xw-flash')")
    save_screenshot(page, f"kernel_{how}_disconnected", page.locator(".xw-explorer").first)
    browser_errors.assert_no_page_errors()
