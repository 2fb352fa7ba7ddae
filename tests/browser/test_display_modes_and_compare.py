"""Captum's layouts as display modes, and two explorers compared side by side (issue 10, "also").

A panel's display mode (heat map, blended heat map, masked image, alpha scaling) repaints it in
the browser with no kernel call; a map that is zero in one half masks that half to black and
makes it transparent. Two explorers compared side by side both show, and a pixel clicked on the
left draws its crosshair on the right's panels; the pair fits a notebook column.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from .lab import (
    VIEWPORT,
    attribute_js,
    backing_cell_centre,
    canvas_fingerprint_js,
    canvas_pixels,
    click_cell,
    open_notebook,
    read_js,
    run_all_cells,
    run_cell,
    save_screenshot,
    wait_for_change,
    wait_for_value,
)

pytestmark = pytest.mark.browser

GRID = (64, 64)
MODES = ("heat_map", "blended_heat_map", "masked_image", "alpha_scaling")

EXPLORER = """\
import json
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

data = make_shapes(8, seed=7)
explainer = xw.Explainer(load_shapes_model())
explorer = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names,
                            methods=["saliency", "integrated_gradients"])
explorer
"""

# A map that is zero in the left half of the image (columns 0..31), the model's own on the right.
HALF_MAP = """\
values = explainer.attribute(data.images[:1], "integrated_gradients").values[0]
values[..., :32] = 0
half = xw.HeatmapView(title="integrated gradients, left half zeroed", units="attribution")
half.set_image(data.images[0])
half.set_attribution(values)
half.add_class("xw-half-map")
half
"""

EXPLORER_STATE = """\
assert explorer.wait(120)
print(json.dumps({"display_mode": explorer.canvas.display_mode, "kernel_calls": explorer.kernel_calls,
                  "jobs_run": explorer.worker.jobs_run, "error": explorer.canvas.error}))
"""

COMPARE = """\
comparison = xw.ImageExplorer.compare_samples(explainer, data.images, left=1, right=5, labels=data.labels,
                                              class_names=data.class_names, methods=["saliency", "grad_cam"])
comparison
"""

COMPARE_STATE = """\
assert comparison.wait(120)
print(json.dumps({"pixels": [comparison.left.canvas.clicked_pixel, comparison.right.canvas.clicked_pixel],
                  "samples": [comparison.left.sample_index, comparison.right.sample_index],
                  "modes": [comparison.left.canvas.display_mode, comparison.right.canvas.display_mode],
                  "description": comparison.description}))
"""


def explorer_panel(method: str, root: str = ".xw-image-explorer") -> str:
    return f"{root} .xw-panel[data-method={method}] canvas.xw-panel-canvas"


def wait_until_shown(page, selector: str) -> None:
    page.wait_for_function(
        "(s) => { const c = document.querySelector(s); "
        "return !!c && Number(c.dataset.computed) > 0 && Number(c.dataset.painted) > 0 "
        "&& c.closest('.xw-panel').dataset.status === 'idle'; }",
        arg=selector,
        timeout=90_000,
    )


def test_display_modes_repaint_in_the_browser_only(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("display_modes.ipynb", [EXPLORER, HALF_MAP]))
    run_all_cells(page)
    saliency = explorer_panel("saliency")
    for method in ("saliency", "integrated_gradients"):
        wait_until_shown(page, explorer_panel(method))
    start = json.loads(run_cell(page, EXPLORER_STATE, expect_output=True))
    assert start["display_mode"] == "heat_map" and start["error"] == ""

    mode_menu = page.locator(".xw-image-explorer select.xw-display-mode").first
    assert mode_menu.is_visible()
    assert mode_menu.evaluate("(s) => Array.from(s.options).map((o) => o.value)") == list(MODES)
    caption = page.locator(".xw-image-explorer .xw-panel[data-method=integrated_gradients] .xw-colorbar-caption")
    shown = {"heat_map": canvas_pixels(page.locator(saliency))}
    assert caption.text_content() == "heat map over the image"
    labels = mode_menu.evaluate("(s) => Array.from(s.options).map((o) => o.textContent)")
    assert labels == ["heat map", "blended heat map", "masked image", "alpha scaling"]
    captions = {
        "blended_heat_map": "heat map over the image in grey",
        "masked_image": "masked image: brightness = |value|",  # sign "all" is shown as magnitudes
        "alpha_scaling": "alpha scaling: opacity = |value|",
    }
    for mode in MODES[1:]:
        before = read_js(page, canvas_fingerprint_js(saliency))
        mode_menu.select_option(mode)
        wait_for_change(page, canvas_fingerprint_js(saliency), before)
        wait_for_value(page, attribute_js(saliency, "data-mode"), mode)
        shown[mode] = canvas_pixels(page.locator(saliency))
        assert caption.text_content().replace("\xa0", " ") == captions[mode]
        # No colours are painted in the masked image and alpha scaling: their colormap and
        # opacity controls are hidden, the sign and clip controls stay.
        painted_colours = mode == "blended_heat_map"
        assert page.locator(".xw-image-explorer select.xw-colormap").first.is_visible() == painted_colours
        assert page.locator(".xw-image-explorer input.xw-opacity").first.is_visible() == painted_colours
        assert page.locator(".xw-image-explorer select.xw-sign").first.is_visible()
        save_screenshot(page, f"display_mode_{mode}", page.locator(".xw-image-explorer .xw-grid").first)
    for a, b in [
        ("heat_map", "blended_heat_map"),
        ("blended_heat_map", "masked_image"),
        ("masked_image", "alpha_scaling"),
    ]:
        assert (shown[a] != shown[b]).any(axis=-1).mean() > 0.2, f"{a} and {b} look alike"
    # The blended heat map lies over a grey image; the alpha scaling leaves most of it see-through.
    assert shown["alpha_scaling"][..., 3].mean() < 128 and (shown["heat_map"][..., 3] == 255).all()

    state = json.loads(run_cell(page, EXPLORER_STATE, expect_output=True))
    assert state["display_mode"] == "alpha_scaling"
    assert state["kernel_calls"] == start["kernel_calls"], "a display mode made Python recompute"
    assert state["jobs_run"] == start["jobs_run"], "a display mode started work in Python"
    mode_menu.select_option("heat_map")
    wait_for_value(page, attribute_js(saliency, "data-mode"), "heat_map")

    # A map that is zero in the left half: the masked image is black there, alpha scaling transparent.
    half = ".xw-half-map canvas.xw-canvas"
    half_menu = page.locator(".xw-half-map select.xw-display-mode").first
    for mode in ("masked_image", "alpha_scaling"):
        before = read_js(page, canvas_fingerprint_js(half))
        half_menu.select_option(mode)
        wait_for_change(page, canvas_fingerprint_js(half), before)
        pixels = canvas_pixels(page.locator(half))
        middle = pixels.shape[1] // 2
        left, right = pixels[:, : middle - 2], pixels[:, middle + 2 :]
        if mode == "masked_image":
            assert (left[..., :3] == 0).all() and (left[..., 3] == 255).all(), "the zero half is not black"
            assert left.shape[1] > 100 and (right[..., :3] > 0).any(axis=-1).mean() > 0.05
        else:
            assert (left[..., 3] == 0).all(), "the zero half is not transparent"
            assert (right[..., 3] > 0).mean() > 0.05
        save_screenshot(page, f"display_mode_half_map_{mode}", page.locator(".xw-half-map").first)
    assert run_cell(page, "print(half.display_mode)") == "alpha_scaling"

    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors


def test_compare_two_samples_side_by_side_linked(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("compare.ipynb", [EXPLORER.replace("explorer\n", ""), COMPARE]))
    run_all_cells(page)
    sides = {side: f".xw-compare-{side} .xw-image-explorer" for side in ("left", "right")}
    for root in sides.values():
        for method in ("saliency", "grad_cam"):
            wait_until_shown(page, explorer_panel(method, root))
    state = json.loads(run_cell(page, COMPARE_STATE, expect_output=True))
    assert state["samples"] == [1, 5]
    header = page.locator(".xw-compare-header").first
    assert header.is_visible() and header.text_content().startswith(state["description"])
    assert state["description"].startswith("sample 1 (") and " vs sample 5 (" in state["description"]
    for side, index in (("left", 1), ("right", 5)):
        selected = page.locator(f"{sides[side]} .xw-gallery-item.xw-selected")
        assert selected.get_attribute("data-index") == str(index)

    # A pixel clicked on the left's saliency panel: the right's panels draw their crosshair there.
    row, col = 20, 41
    right_panels = {m: explorer_panel(m, sides["right"]) for m in ("saliency", "grad_cam")}
    before = {m: canvas_pixels(page.locator(s)) for m, s in right_panels.items()}
    counts = {m: read_js(page, attribute_js(s, "data-painted")) for m, s in right_panels.items()}
    click_cell(page, page.locator(explorer_panel("saliency", sides["left"])), row, col, GRID)
    for method, selector in right_panels.items():
        wait_for_change(page, attribute_js(selector, "data-painted"), counts[method])
        after = canvas_pixels(page.locator(selector))
        changed = (after != before[method]).any(axis=-1)
        x, y = backing_cell_centre(after.shape, row, col, GRID)
        cell = after.shape[1] / GRID[1]
        rows, cols = np.nonzero(changed)
        assert changed.any(), f"right {method}: no crosshair"
        near = (np.abs(cols + 0.5 - x) <= cell / 2 + 3) | (np.abs(rows + 0.5 - y) <= cell / 2 + 3)
        assert near.all(), f"right {method}: pixels changed away from ({row}, {col})"
    state = json.loads(run_cell(page, COMPARE_STATE, expect_output=True))
    assert state["pixels"] == [[row, col], [row, col]] and state["samples"] == [1, 5]

    # A display mode chosen on the right shows on the left too.
    left_saliency = explorer_panel("saliency", sides["left"])
    page.locator(f"{sides['right']} select.xw-display-mode").first.select_option("blended_heat_map")
    wait_for_value(page, attribute_js(left_saliency, "data-mode"), "blended_heat_map")
    assert json.loads(run_cell(page, COMPARE_STATE, expect_output=True))["modes"] == ["blended_heat_map"] * 2

    # The pair fits the notebook column: nothing sticks out of the comparison, and the sides do
    # not overlap (side by side, or the right under the left where the column is narrow).
    for width in (VIEWPORT["width"], 1200, 1000):
        # Tall enough for the whole comparison (stacked when narrow): an element screenshot
        # inside JupyterLab's scrolled notebook shows only what lies in the viewport.
        page.set_viewport_size({"width": width, "height": 2400 if width == VIEWPORT["width"] else 3600})
        page.wait_for_timeout(300)
        boxes = page.evaluate(
            """() => {
              const box = (s) => { const r = document.querySelector(s).getBoundingClientRect();
                                    return { x: r.x, y: r.y, right: r.right, bottom: r.bottom, width: r.width }; };
              const root = document.querySelector('.xw-compare');
              return { root: box('.xw-compare'), left: box('.xw-compare-left'), right: box('.xw-compare-right'),
                       scroll: [root.scrollWidth, root.clientWidth],
                       output: box('.jp-OutputArea-output:has(.xw-compare)') };
            }"""
        )
        root, left, right = boxes["root"], boxes["left"], boxes["right"]
        assert boxes["scroll"][0] <= boxes["scroll"][1] + 1, f"the comparison overflows at {width} px: {boxes}"
        assert root["right"] <= boxes["output"]["right"] + 1, f"the comparison is wider than the output: {boxes}"
        for side in (left, right):
            assert side["x"] >= root["x"] - 1 and side["right"] <= root["right"] + 1, boxes
        assert right["x"] >= left["right"] - 1 or right["y"] >= left["bottom"] - 1, f"the sides overlap: {boxes}"
        if width == VIEWPORT["width"]:
            # Side by side in a column this wide, each side's input and both maps in one row.
            assert right["x"] >= left["right"] - 1, f"the sides do not stand side by side: {boxes}"
            for root in sides.values():
                tops = page.evaluate(
                    "(root) => Array.from(document.querySelectorAll(root + ' .xw-grid > .xw-tile'))"
                    ".map((tile) => Math.round(tile.getBoundingClientRect().top))",
                    root,
                )
                assert len(tops) == 3 and len(set(tops)) == 1, f"{root}: the tiles wrap ({tops})"
        page.locator(".xw-compare").first.scroll_into_view_if_needed()
        save_screenshot(page, f"compare_samples_{width}px", page.locator(".xw-compare").first)
    page.set_viewport_size(VIEWPORT)

    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
