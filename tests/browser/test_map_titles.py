"""Every map says what it shows (issue 10, defect 8): the HeatmapView's title (method, target
class) and units, with visible colormap, sign and clip controls that reach Python; each explorer
panel's target class and units, and a tooltip saying what Δ means."""

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

CANVAS = ".xw-heatmap canvas.xw-canvas"

HEATMAP = """\
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

shapes = make_shapes(1, seed=3)
result = xw.Explainer(load_shapes_model()).attribute(shapes.images[:1], "integrated_gradients")
view = xw.HeatmapView.from_attribution(shapes.images[0], result, class_names=shapes.class_names)
view
"""

EXPLORER = """\
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

data = make_shapes(4, seed=7)
explorer = xw.ImageExplorer(xw.Explainer(load_shapes_model()), data.images, data.labels, data.class_names,
                            methods=["saliency", "integrated_gradients"])
explorer
"""


def test_heatmap_view_has_a_title_units_and_display_controls(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("heatmap_titles.ipynb", [HEATMAP]))
    run_all_cells(page)
    page.locator(CANVAS).first.wait_for(state="visible")
    name = run_cell(page, "print(shapes.class_names[int(result.target[0])])")

    title = page.locator(".xw-heatmap .xw-heatmap-title").first
    units = page.locator(".xw-heatmap .xw-heatmap-units").first
    assert title.is_visible() and title.text_content() == f"integrated_gradients · target: {name}"
    assert units.is_visible() and units.text_content() == "values: attribution"
    assert (
        run_cell(page, "print(view.title, '|', view.units)") == f"integrated_gradients · target: {name} | attribution"
    )

    # The controls are visible and each reaches Python; sign and colormap repaint the canvas.
    colormap = page.locator(".xw-heatmap select.xw-colormap").first
    sign = page.locator(".xw-heatmap select.xw-sign").first
    clip = page.locator(".xw-heatmap input.xw-clip").first
    for control in (colormap, sign, clip):
        assert control.is_visible()
    fingerprint = canvas_fingerprint_js(CANVAS)
    before = read_js(page, fingerprint)
    sign.select_option("positive")
    before = wait_for_change(page, fingerprint, before)
    colormap.select_option("viridis")
    wait_for_change(page, fingerprint, before)
    clip.fill("95")
    # The slider's message reaches the kernel on its own schedule: ask until it has arrived.
    probe = "import json; print(json.dumps([view.sign, view.colormap, view.clip_percentile]))"
    for _ in range(20):
        state = json.loads(run_cell(page, probe))
        if state[2] == 95.0:
            break
        page.wait_for_timeout(250)
    assert state == ["positive", "viridis", 95.0]

    # Nothing is cut: the title and the controls lie inside the view.
    view_box = page.locator(".xw-heatmap").first.bounding_box()
    for part in (title, units, page.locator(".xw-heatmap .xw-display-controls").first):
        box = part.bounding_box()
        assert box is not None and box["x"] >= view_box["x"] - 1
        assert box["x"] + box["width"] <= view_box["x"] + view_box["width"] + 1

    # In a live session there is no "disconnected" banner (issue 10, defect 12).
    assert page.locator(".xw-heatmap").first.get_attribute("data-disconnected") == "false"
    assert not page.locator(".xw-heatmap .xw-disconnected-banner").first.is_visible()

    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
    save_screenshot(page, "heatmap_view_title_controls", page.locator(".xw-heatmap").first)


def test_explorer_panels_name_method_target_units_and_explain_delta(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("explorer_titles.ipynb", [EXPLORER, "assert explorer.wait(120)"]))
    run_all_cells(page)
    for method in ("saliency", "integrated_gradients"):
        page.wait_for_selector(f".xw-panel[data-method={method}][data-status=idle]", state="attached", timeout=60_000)
    target = run_cell(page, "print(explorer.class_names[explorer.canvas.panels['saliency']['target']])")

    expected = {"saliency": "|gradient|", "integrated_gradients": "attribution"}
    for method, units in expected.items():
        panel = page.locator(f".xw-panel[data-method={method}]").first
        assert panel.locator(".xw-tile-title").text_content() == method
        caption = panel.locator(".xw-tile-caption")
        assert caption.is_visible() and caption.text_content() == f"target: {target}\nunits: {units}"

    # Δ comes with a tooltip saying what it is; a method without Δ has none.
    ig_status = page.locator(".xw-panel[data-method=integrated_gradients] .xw-panel-status").first
    assert "Δ=" in ig_status.text_content()
    assert "completeness error: sum of attributions minus (F(x) - F(baseline))" in ig_status.get_attribute("title")
    assert not page.locator(".xw-panel[data-method=saliency] .xw-panel-status").first.get_attribute("title")

    # A chosen class shows on every panel once recomputed.
    run_cell(page, "explorer.target = 1\nassert explorer.wait(120)")
    chosen = run_cell(page, "print(explorer.class_names[1])")
    for method in expected:
        page.wait_for_function(
            "([m, text]) => document.querySelector(`.xw-panel[data-method=${m}] .xw-tile-caption`)?.textContent"
            ".startsWith(text)",
            arg=[method, f"target: {chosen}\n"],
            timeout=30_000,
        )

    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
    ig_status.hover()
    page.locator(".xw-grid").first.scroll_into_view_if_needed()
    save_screenshot(page, "explorer_panel_titles", page.locator(".xw-explorer").first)
