"""ImageExplorer targets in a real JupyterLab (issue 10: #1, #3, #10).

One page walks through: a near-zero class chosen from the target menu recomputes the panels for
it; a click near the bottom of a tiny bar's column picks that class; a new sample goes back to
"predicted"; an out-of-range ``sample_index`` raises in its cell and the gallery keeps its
selection; the per-method pixel chart shows each method relative to its own map (-1..1) under a
title that names the pixel, with its labels inside the chart.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from .lab import (
    VIEWPORT,
    CellError,
    attribute_js,
    canvas_fingerprint_js,
    click_cell,
    open_notebook,
    read_js,
    run_all_cells,
    run_cell,
    save_screenshot,
    wait_for_change,
)
from .test_image_explorer import GRID, panel_canvas, wait_for_idle_view, wait_until_shown

pytestmark = pytest.mark.browser

ROW, COL = 22, 15
METHODS = ["saliency", "grad_cam", "occlusion"]

SETUP = """\
import json
import torch
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

data = make_shapes(16, seed=7)
explorer = xw.ImageExplorer(xw.Explainer(load_shapes_model()), data.images, data.labels, data.class_names,
                            methods=["saliency", "grad_cam", "occlusion"])
explorer
"""

WAIT = "assert explorer.wait(120)"

# What the test checks in Python, as one JSON line; "saliency_matches" compares the shown
# saliency with the kernel's for the target Python says is explained.
STATE = """\
assert explorer.wait(120)
_c = explorer.canvas
_target = explorer.prediction_chart._classes[0] if _c.target < 0 else _c.target
_expected = explorer.explainer.attribute(explorer._image[None], "saliency", target=_target).values[0]
print(json.dumps({
    "sample_index": _c.sample_index,
    "target": _c.target,
    "menu_value": explorer.target_menu.value,
    "menu_label": explorer.target_menu.label,
    "target_label": _c.target_label,
    "panel_targets": sorted({p["target"] for p in _c.panels.values()}),
    "saliency_matches": bool(torch.allclose(explorer.results()["saliency"], _expected, atol=1e-6)),
    "probabilities": explorer._probabilities.tolist(),
    "bar_classes": explorer.prediction_chart._classes,
    "method_values": [float(v) for v in explorer.method_chart.bars.y],
    "method_names": list(explorer.method_chart.bars.x),
    "method_title": explorer.method_chart.figure.title,
    "class_names": data.class_names,
    "error": _c.error,
}))
"""

HEADER = "() => document.querySelector('.xw-target-label').textContent"
MENU = ".xw-target-menu select"
SELECTED_MENU_TEXT = (
    "() => { const s = document.querySelector("
    + json.dumps(MENU)
    + "); return s.options[s.selectedIndex].text.replace(/\\u00a0/g, ' '); }"
)
SELECTED_GALLERY = "() => document.querySelector('.xw-gallery-item.xw-selected').dataset.index"

# JS: boxes (client px) of an SVG figure, its title and its tick labels, to check that none is cut.
CHART_BOXES = """
(figure) => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const svg = figure.querySelector("svg");
  return {
    svg: box(svg),
    title: box(figure.querySelector("text.mainheading")),
    title_text: figure.querySelector("text.mainheading").textContent,
    ticks: Array.from(figure.querySelectorAll(".tick text")).filter((t) => t.textContent).map(
      (t) => ({ text: t.textContent, box: box(t) })),
    axis_labels: Array.from(figure.querySelectorAll("text.axislabel")).map((t) => t.textContent),
  };
}
"""


def python_state(page) -> dict:
    return json.loads(run_cell(page, STATE, expect_output=True))


def computed(page, method: str = "saliency") -> str:
    return read_js(page, attribute_js(panel_canvas(method), "data-computed"))


def visible_bars(page):
    """The drawn prediction bars (the invisible full-height columns under them have opacity 0)."""
    return page.locator(".xw-prediction-chart rect.bar:not([style*='opacity: 0;'])")


def inside(inner: list[float], outer: list[float], slack: float = 1.0) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def test_targets_gallery_bounds_and_the_pixel_chart(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("explorer_targets.ipynb", [SETUP, WAIT]))
    run_all_cells(page)
    for method in METHODS:
        wait_until_shown(page, method)
    wait_for_idle_view(page)
    state = python_state(page)
    names = state["class_names"]
    predicted = int(np.argmax(state["probabilities"]))
    assert state["target"] == -1 and state["error"] == ""
    assert read_js(page, SELECTED_MENU_TEXT).startswith(f"predicted ({names[predicted]}, p=")

    # 1. The per-method pixel chart: each method relative to its own map, the pixel in the title.
    figure = page.locator(".xw-method-chart").first
    click_cell(page, page.locator(panel_canvas("saliency")), ROW, COL, GRID)
    title = f"Pixel (row {ROW}, col {COL}), per method"
    page.wait_for_function(
        "(title) => { const t = document.querySelector('.xw-method-chart text.mainheading'); "
        "return !!t && t.textContent === title; }",
        arg=title,
    )
    state = python_state(page)
    assert state["method_title"] == title and sorted(state["method_names"]) == sorted(METHODS)
    assert all(-1.0 <= v <= 1.0 for v in state["method_values"]), state["method_values"]
    assert max(abs(v) for v in state["method_values"]) > 0.01, "every method shows ~0 at an object pixel"
    figure.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # bqplot animates its axes
    boxes = figure.evaluate(CHART_BOXES)
    assert boxes["title_text"] == title and inside(boxes["title"], boxes["svg"]), boxes
    for tick in boxes["ticks"]:
        assert inside(tick["box"], boxes["svg"]), f"tick label {tick['text']!r} is cut: {boxes}"
    numbers = [float(t["text"].replace("\u2212", "-")) for t in boxes["ticks"] if t["text"] not in METHODS]
    assert min(numbers) == -1 and max(numbers) == 1, numbers
    assert "value / max |map|" in boxes["axis_labels"]

    # 2. A class with p near 0 chosen from the menu: Python explains it and the canvas repaints.
    least = int(np.argmin(state["probabilities"]))
    assert state["probabilities"][least] < 0.01, state["probabilities"]
    saliency = panel_canvas("saliency")
    before, fingerprint = computed(page), read_js(page, canvas_fingerprint_js(saliency))
    page.locator(MENU).select_option(index=1 + least)
    wait_for_change(page, attribute_js(saliency, "data-computed"), before, timeout_ms=60_000)
    wait_for_idle_view(page)
    state = python_state(page)
    assert state["target"] == least and state["menu_value"] == least and state["panel_targets"] == [least]
    assert state["saliency_matches"], "the saliency panel does not explain the chosen class"
    assert read_js(page, canvas_fingerprint_js(saliency)) != fingerprint, "the saliency panel did not repaint"
    assert read_js(page, HEADER).startswith(f"target: {names[least]} (chosen, p")

    # 3. A click near the bottom of a tiny bar's column (well above its 0-1 px bar) picks its class.
    page.locator(".xw-prediction-chart").first.scroll_into_view_if_needed()
    bars = visible_bars(page)
    assert bars.count() == len(state["bar_classes"])
    boxes = [bars.nth(i).bounding_box() for i in range(bars.count())]
    tiny = [i for i, box in enumerate(boxes) if box["height"] < 3 and state["bar_classes"][i] not in (least, predicted)]
    assert tiny, f"no other class with a bar under 3 px: {boxes}"
    index = tiny[0]
    chosen = state["bar_classes"][index]
    baseline = max(box["y"] + box["height"] for box in boxes)  # the tallest bar reaches down to 0
    before, header = computed(page), read_js(page, HEADER)
    x, y = boxes[index]["x"] + boxes[index]["width"] / 2, baseline - 12
    page.mouse.click(x, y)
    wait_for_change(page, attribute_js(saliency, "data-computed"), before, timeout_ms=60_000)
    wait_for_idle_view(page)
    state = python_state(page)
    assert state["target"] == chosen and state["menu_value"] == chosen and state["saliency_matches"]
    assert read_js(page, HEADER).startswith(f"target: {names[chosen]} (chosen, p") and read_js(page, HEADER) != header
    assert not read_js(page, SELECTED_MENU_TEXT).startswith("predicted"), "the menu did not follow the click"

    # 4. Another sample goes back to "predicted": in Python, in the menu and in the header.
    before = computed(page)
    page.locator(".xw-gallery-item[data-index='5']").click()
    wait_for_change(page, attribute_js(saliency, "data-computed"), before, timeout_ms=60_000)
    wait_for_idle_view(page)
    state = python_state(page)
    assert state["sample_index"] == 5 and state["target"] == -1 and state["menu_value"] == -1
    assert state["menu_label"].startswith("predicted (") and state["saliency_matches"]
    page.wait_for_function(
        "(source) => (0, eval)('(' + source + ')')().startsWith('predicted (')", arg=SELECTED_MENU_TEXT
    )
    assert "(predicted, p=" in read_js(page, HEADER)

    # 5. An out-of-range sample_index raises in its cell; the page keeps its selection.
    with pytest.raises(CellError, match=r"TraitError.*sample_index 99 is out of range 0\.\.15"):
        run_cell(page, "explorer.canvas.sample_index = 99")
    assert read_js(page, SELECTED_GALLERY) == "5"
    assert run_cell(page, "print(explorer.canvas.sample_index)", expect_output=True) == "5"

    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 2000})
    explorer = page.locator(".xw-image-explorer").first
    explorer.scroll_into_view_if_needed()
    save_screenshot(page, "explorer_targets", explorer)
    page.set_viewport_size(VIEWPORT)
