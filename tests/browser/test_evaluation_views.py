"""The evaluation views in a real JupyterLab: the explorer's evaluation panel fills in with
``xw.metrics``'s numbers, a click on a cell opens its curves, dragging the deletion slider repaints
the image, and dragging the sanity check's slider repaints every method's map; no page errors.
Screenshots: ``test-artifacts/browser/evaluation_panel.png``, ``sanity_check_view.png``,
``evaluation_table.png``."""

from __future__ import annotations

import json

import pytest

from .lab import (
    canvas_fingerprint_js,
    open_notebook,
    read_js,
    run_all_cells,
    run_cell,
    save_screenshot,
    wait_for_change,
)

pytestmark = pytest.mark.browser

SETUP = """\
import json
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

data = make_shapes(4, seed=7)
explainer = xw.Explainer(load_shapes_model())
explorer = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names, masks=data.masks,
                            methods=["gradient", "guided_backprop", "grad_cam"], evaluate=True,
                            metric_params={"deletion_curve": {"steps": 20}, "insertion_curve": {"steps": 20}})
explorer
"""

SANITY = """\
sanity = xw.SanityCheckView(explainer, data.images[1], methods=["gradient", "guided_backprop", "deconvnet", "grad_cam"])
sanity
"""

TABLE = """\
table = xw.EvaluationTable(explainer, data.images, data.masks, methods=["gradient", "guided_backprop", "grad_cam"],
                           metrics=["pointing_game", "relevance_rank_accuracy", "sparseness", "deletion_curve"],
                           metric_params={"deletion_curve": {"steps": 20}})
table
"""

PANEL_STATE = """\
assert explorer.wait(120)
panel = explorer.evaluation
print(json.dumps({"scores": panel.scores(), "selected": panel.selected, "error": explorer.error,
                  "step": panel.detail.step.value}))
"""

SANITY_STATE = """\
assert sanity.wait(120)
print(json.dumps({"step": sanity.step, "layers": sanity.layers, "error": sanity.error}))
"""


def cell_text_js(method: str, metric: str) -> str:
    selector = json.dumps(f".xw-eval-panel .xw-eval-cell-{method}-{metric}")
    return f"() => {{ const b = document.querySelector({selector}); return b ? b.textContent.trim() : ''; }}"


def drag_slider(page, root: str, fraction: float) -> None:
    """Drag the ipywidgets slider under ``root`` to ``fraction`` of its track."""
    handle = page.locator(f"{root} .noUi-handle").first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    track = page.locator(f"{root} .noUi-target").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], y, steps=8)
    page.mouse.up()


def state(page, code: str) -> dict:
    return json.loads(run_cell(page, code, expect_output=True))


def test_the_evaluation_views_fill_in_open_their_details_and_follow_their_sliders(
    page, lab_server, browser_errors, notebook_file
):
    open_notebook(page, lab_server, notebook_file("evaluation_views.ipynb", [SETUP, SANITY, TABLE]))
    run_all_cells(page)

    # The panel fills in: every cell of the gradient row holds a number.
    for metric in ("pointing_game", "sparseness", "deletion_curve", "insertion_curve"):
        page.wait_for_function(
            f"() => {{ const t = ({cell_text_js('gradient', metric)})(); return t !== '' && t !== '…'; }}",
            timeout=60_000,
        )
    opened = state(page, PANEL_STATE)
    assert opened["error"] == "" and set(opened["scores"]) == {"gradient", "guided_backprop", "grad_cam"}, opened
    shown = read_js(page, cell_text_js("grad_cam", "deletion_curve"))
    assert float(shown) == pytest.approx(opened["scores"]["grad_cam"]["deletion_curve"], rel=5e-3), shown

    # A click on a cell opens its curves.
    cell = page.locator(".xw-eval-panel .xw-eval-cell-grad_cam-deletion_curve")
    cell.scroll_into_view_if_needed()
    cell.click()
    page.wait_for_selector(".xw-eval-curves path.line", state="attached")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.xw-eval-curves path.line'))"
        ".filter(p => (p.getAttribute('d') || '').length > 20).length >= 2"
    )
    page.wait_for_selector(".xw-eval-detail-map canvas.xw-canvas", state="visible")
    clicked = state(page, PANEL_STATE)
    assert clicked["selected"] == ["grad_cam", "deletion_curve"], clicked

    # Dragging the deletion slider repaints the image.
    image_js = canvas_fingerprint_js(".xw-eval-detail-map canvas.xw-canvas")
    page.wait_for_function(f"() => ({image_js})() !== 'none'")
    before = read_js(page, image_js)
    drag_slider(page, ".xw-eval-step", 0.7)
    wait_for_change(page, image_js, before)
    slid = state(page, PANEL_STATE)
    assert slid["step"] >= 10, slid
    page.mouse.move(5, 5)
    page.wait_for_timeout(400)
    save_screenshot(page, "evaluation_panel", page.locator(".xw-eval-panel"))

    # The pointing game's detail: the map with its maximum (the crosshair) and the mask; then the
    # sparseness histogram.
    page.locator(".xw-eval-panel .xw-eval-cell-gradient-pointing_game").click()
    page.wait_for_function(
        "() => (document.querySelector('.xw-eval-detail-map .xw-heatmap-title') || {}).textContent?.includes('maximum')"
    )
    page.wait_for_timeout(400)
    save_screenshot(page, "evaluation_pointing_game", page.locator(".xw-eval-detail"))
    page.locator(".xw-eval-panel .xw-eval-cell-grad_cam-sparseness").click()
    page.wait_for_selector(".xw-eval-histogram rect.bar", state="attached")
    page.wait_for_timeout(400)
    save_screenshot(page, "evaluation_histogram", page.locator(".xw-eval-detail"))

    # The sanity check: the randomisation slider repaints every map.
    page.wait_for_function(
        "() => document.querySelectorAll('.xw-sanity-map canvas.xw-canvas').length === 4"
        " && Array.from(document.querySelectorAll('.xw-sanity-map .xw-heatmap-title'))"
        ".every(t => t.textContent.includes('intact'))",
        timeout=90_000,
    )
    state(page, SANITY_STATE)
    methods = ("gradient", "guided_backprop", "deconvnet", "grad_cam")
    maps_js = {m: canvas_fingerprint_js(f".xw-sanity-map-{m} canvas.xw-canvas") for m in methods}
    page.wait_for_function(f"() => ({maps_js['grad_cam']})() !== 'none'")
    before_maps = {m: read_js(page, js) for m, js in maps_js.items()}
    drag_slider(page, ".xw-sanity-slider", 0.5)
    for method, js in maps_js.items():
        wait_for_change(page, js, before_maps[method])
    randomised = state(page, SANITY_STATE)
    assert randomised["step"] >= 3 and randomised["error"] == "", randomised
    page.set_viewport_size({"width": 1400, "height": 1600})  # the whole view in one screenshot
    page.mouse.move(5, 5)
    page.wait_for_timeout(400)
    view = page.locator(".xw-sanity-check-view")
    view.scroll_into_view_if_needed()
    save_screenshot(page, "sanity_check_view", view)

    # The table over the data set fills in.
    page.wait_for_function(
        "() => { const b = document.querySelector('.xw-evaluation-table .xw-eval-cell-grad_cam-deletion_curve');"
        " return b && b.textContent.includes('±'); }",
        timeout=90_000,
    )
    table = page.locator(".xw-evaluation-table")
    table.scroll_into_view_if_needed()
    save_screenshot(page, "evaluation_table", table)

    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
