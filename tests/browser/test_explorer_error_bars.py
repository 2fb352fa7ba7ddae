"""Error bars on the explorers' prediction charts in a real JupyterLab (issue 13), and the
UncertaintyView linked to an explorer's selected sample.

ImageExplorer on the dropout shapes CNN: each drawn bar carries a vertical ±1 std line through
its middle, the key under the chart says what they are, the title and labels sit inside the
chart, and a click on a bar (through its error bar) still picks that class. TabularExplorer on
the dropout MLP, linked to an UncertaintyView with ``xw.link_samples``: a click on a point of the
σ scatter moves the explorer to that row and its prediction bar and error bar follow; a click on
the explorer's data scatter moves the uncertainty view. Screenshots:
``test-artifacts/browser/error_bars_image.png`` and ``error_bars_tabular.png``.
"""

from __future__ import annotations

import json

import pytest

from .lab import open_notebook, read_js, run_all_cells, run_cell, save_screenshot, wait_for_change
from .test_image_explorer import wait_for_idle_view, wait_until_shown

pytestmark = pytest.mark.browser

IMAGE_SETUP = """\
import json
import xai_widgets as xw
from xai_widgets.zoo import load_dropout_shapes_model, make_shapes

data = make_shapes(8, seed=7)
explorer = xw.ImageExplorer(xw.Explainer(load_dropout_shapes_model()), data.images, data.labels, data.class_names,
                            methods=["saliency"])
explorer
"""

IMAGE_STATE = """\
assert explorer.wait(120)
chart = explorer.prediction_chart
print(json.dumps({"target": explorer.target, "classes": chart._classes, "labels": list(chart.bars.x),
                  "calls": explorer.kernel_calls, "error": explorer.error, "uncertainty": explorer.uncertainty}))
"""

# Per drawn bar and per error-bar line: its box; and the chart's svg, title and key boxes.
GEOMETRY = """
(figure) => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const bars = Array.from(figure.querySelectorAll("rect.bar")).filter((r) => r.style.opacity !== "0");
  return {
    svg: box(figure.querySelector("svg")),
    title: box(figure.querySelector("text.mainheading")),
    title_text: figure.querySelector("text.mainheading").textContent,
    bars: bars.map(box),
    lines: Array.from(figure.querySelectorAll("path.line")).map(box),
    ticks: Array.from(figure.querySelectorAll(".tick text")).filter((t) => t.textContent).map(box),
  };
}
"""
KEY_JS = "() => (document.querySelector('.xw-prediction-key') || {}).textContent || ''"
LINES_JS = (
    "() => Array.from(document.querySelectorAll('.xw-prediction-chart path.line'))"
    ".map(p => p.getAttribute('d')).join(',')"
)


def inside(inner: list[float], outer: list[float], slack: float = 1.0) -> bool:
    return all((inner[i] >= outer[i] - slack) if i < 2 else (inner[i] <= outer[i] + slack) for i in range(4))


def check_error_bars(geometry: dict) -> None:
    """Each drawn bar has its own error-bar line centred on it; nothing leaves the chart."""
    assert geometry["bars"] and len(geometry["lines"]) == len(geometry["bars"]), geometry
    for line, bar in zip(sorted(geometry["lines"]), sorted(geometry["bars"]), strict=True):
        centre = (line[0] + line[2]) / 2
        assert abs(centre - (bar[0] + bar[2]) / 2) <= 2, f"error bar {line} is not centred on bar {bar}"
        assert inside(line, geometry["svg"]), line
    assert inside(geometry["title"], geometry["svg"]), geometry
    assert all(inside(tick, geometry["svg"]) for tick in geometry["ticks"]), geometry


def test_image_explorer_bars_carry_error_bars_and_still_pick_the_class(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("error_bars_image.ipynb", [IMAGE_SETUP]))
    run_all_cells(page)
    wait_until_shown(page, "saliency")
    wait_for_idle_view(page)
    page.wait_for_function(f"() => ({KEY_JS})().includes('30 MC dropout samples')")
    state = json.loads(run_cell(page, IMAGE_STATE, expect_output=True))
    assert state["uncertainty"] == "mc_dropout" and state["error"] == "" and state["calls"]["predict_uncertainty"] == 1

    figure = page.locator(".xw-prediction-chart").first
    figure.scroll_into_view_if_needed()
    page.wait_for_timeout(400)  # bqplot animates its axes
    geometry = figure.evaluate(GEOMETRY)
    assert geometry["title_text"] == "Prediction, mean ± 1 std (click a bar)"
    check_error_bars(geometry)
    assert max(line[3] - line[1] for line in geometry["lines"]) >= 3, "no error bar is visibly long"
    key = page.locator(".xw-prediction-key").first.bounding_box()
    assert key["width"] <= 345 and key["height"] > 0
    assert "lines: ±1 std" in read_js(page, KEY_JS)

    # A click right on another class's error bar explains that class: the line lets it through.
    lines = sorted(geometry["lines"])
    index = max(range(1, len(lines)), key=lambda i: lines[i][3] - lines[i][1])  # the longest, not the target
    line = lines[index]
    assert line[3] - line[1] >= 2, f"no other class has an error bar to click: {lines}"
    lines_before = read_js(page, LINES_JS)
    page.mouse.click((line[0] + line[2]) / 2, (line[1] + line[3]) / 2)
    wait_for_idle_view(page)
    after = json.loads(run_cell(page, IMAGE_STATE, expect_output=True))
    assert after["target"] == state["classes"][index], (state, after)
    # Same image: no new MC samples, the same error bars.
    assert after["calls"]["predict_uncertainty"] == 1 and read_js(page, LINES_JS) == lines_before

    # Another image: new error bars.
    page.locator(".xw-gallery-item[data-index='3']").click()
    wait_for_change(page, LINES_JS, lines_before, timeout_ms=60_000)
    wait_for_idle_view(page)
    page.wait_for_timeout(400)
    check_error_bars(figure.evaluate(GEOMETRY))
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.wait_for_timeout(500)
    save_screenshot(page, "error_bars_image_chart", page.locator(".xw-prediction-chart").first.locator(".."))
    save_screenshot(page, "error_bars_image", page.locator(".xw-image-explorer"))
    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors


TABULAR_SETUP = """\
import json
import ipywidgets as w
import xai_widgets as xw
from xai_widgets.zoo import make_noisy_regression, train_dropout_mlp

data = make_noisy_regression(n_train=300, n_test=40, seed=0)
explainer = xw.Explainer(train_dropout_mlp(data, steps=300))
view = xw.UncertaintyView(explainer, data.x_test, data.y_test, n_samples=20, feature_names=["x"])
tabular = xw.TabularExplorer(explainer, data.x_test, data.y_test, feature_names=["x"], methods=["gradient"])
link = xw.link_samples(view, tabular)
w.VBox([view, tabular])
"""

TABULAR_STATE = """\
assert view.wait(60) and tabular.wait(60)
print(json.dumps({"view": view.sample_index, "tabular": tabular.sample_index, "errors": [view.error, tabular.error],
                  "bar": list(map(float, tabular.prediction_chart.bars.y)), "uncertainty": tabular.uncertainty}))
"""
DOTS = ".xw-uncertainty-error-sigma .dot"


def test_tabular_explorer_error_bars_follow_the_linked_uncertainty_view(
    page, lab_server, browser_errors, notebook_file
):
    page.set_viewport_size({"width": 1400, "height": 1400})
    open_notebook(page, lab_server, notebook_file("error_bars_tabular.ipynb", [TABULAR_SETUP]))
    run_all_cells(page)
    page.wait_for_function(f"() => document.querySelectorAll('{DOTS}').length === 40")
    page.wait_for_function(f"() => ({KEY_JS})().includes('30 MC dropout samples')")
    first = json.loads(run_cell(page, TABULAR_STATE, expect_output=True))
    assert (
        first["view"] == first["tabular"] == 0 and first["errors"] == ["", ""] and first["uncertainty"] == "mc_dropout"
    )

    # A click on a point of the σ scatter: the explorer moves to that row; its error bar follows.
    lines_before = read_js(page, LINES_JS)
    dot = page.locator(DOTS).nth(25)
    dot.scroll_into_view_if_needed()
    box = dot.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    on_top = page.evaluate(
        f"([x, y]) => Array.from(document.querySelectorAll('{DOTS}')).indexOf(document.elementFromPoint(x, y))", [x, y]
    )
    page.mouse.click(x, y)
    wait_for_change(page, LINES_JS, lines_before, timeout_ms=60_000)
    clicked = json.loads(run_cell(page, TABULAR_STATE, expect_output=True))
    assert clicked["view"] == clicked["tabular"] == on_top != 0 and clicked["errors"] == ["", ""], clicked

    # A click on the explorer's data scatter: the uncertainty view follows.
    histogram = "() => (document.querySelector('.xw-uncertainty-histogram text.mainheading') || {}).textContent"
    before = read_js(page, histogram)
    points = page.locator(".xw-tabular-explorer .dot")
    target = next(i for i in range(points.count()) if i != on_top)
    point = points.nth(target)
    point.scroll_into_view_if_needed()
    pbox = point.bounding_box()
    px, py = pbox["x"] + pbox["width"] / 2, pbox["y"] + pbox["height"] / 2
    picked = page.evaluate(
        "([x, y]) => Array.from(document.querySelectorAll('.xw-tabular-explorer .dot'))"
        ".indexOf(document.elementFromPoint(x, y))",
        [px, py],
    )
    page.mouse.click(px, py)
    wait_for_change(page, histogram, before, timeout_ms=60_000)
    moved = json.loads(run_cell(page, TABULAR_STATE, expect_output=True))
    assert moved["view"] == moved["tabular"] == picked and moved["errors"] == ["", ""], moved

    figure = page.locator(".xw-tabular-prediction").first
    figure.scroll_into_view_if_needed()
    page.wait_for_timeout(400)
    geometry = figure.evaluate(GEOMETRY)
    assert geometry["title_text"] == "Prediction, mean ± 1 std"
    check_error_bars(geometry)
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.wait_for_timeout(500)
    save_screenshot(page, "error_bars_tabular", page.locator(".xw-tabular-explorer"))
    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
