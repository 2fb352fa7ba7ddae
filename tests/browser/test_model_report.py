"""ModelReport in a real JupyterLab: a click on a confusion cell selects its samples and the linked
ImageExplorer's gallery shows exactly them; the threshold slider (arrow keys, as a user would)
recounts the matrix in the browser and Python follows with the report and the operating point; a
surrogate leaf clicked selects its samples. No page errors. Measures the slider's latency (input
event -> first frame with the recounted matrix, and -> the ROC's operating point moved by Python)
into ``test-artifacts/browser/report_latency.json``. Saves ``model_report_*.png``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .lab import (
    ARTIFACTS_DIR,
    attribute_js,
    open_notebook,
    read_js,
    run_all_cells,
    run_cell,
    save_screenshot,
    time_to_change,
    wait_for_change,
    wait_for_value,
)

pytestmark = pytest.mark.browser

SHAPES = """\
import json
import ipywidgets as w
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

data = make_shapes(40, seed=11)
explainer = xw.Explainer(load_shapes_model())
report = xw.ModelReport(explainer, data.images, data.labels, data.class_names)
explorer = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names, methods=["saliency"])
report.link(explorer)
w.VBox([report, explorer])
"""

SHAPES_STATE = """\
assert report.wait(60) and explorer.wait(60)
print(json.dumps({"cell": report.selected_cell, "selected": report.selected_samples,
                  "shown": explorer.canvas.shown_samples, "index": explorer.canvas.sample_index,
                  "matrix": report.matrix.tolist(), "error": report.error}))
"""

CANCER = """\
import json
import xai_widgets as xw
from xai_widgets.zoo import load_tabular, train_tabular_mlp

cancer = load_tabular("breast_cancer")
explainer = xw.Explainer(train_tabular_mlp(cancer, epochs=20))
report = xw.ModelReport(explainer, cancer.X, cancer.y, cancer.class_names, cancer.feature_names)
report
"""

CANCER_STATE = """\
assert report.wait(60)
print(json.dumps({"threshold": report.threshold, "matrix": report.matrix.tolist(), "point": report.operating_point,
                  "roc_point": [float(report.roc.point.x[0]), float(report.roc.point.y[0])],
                  "selected": report.selected_samples, "cell": report.selected_cell,
                  "leaf": report.surrogate.selected_leaf, "error": report.error, "status": report.status}))
"""

CELLS_JS = "() => document.querySelectorAll('.xw-confusion-cell').length"
COUNTS_JS = attribute_js(".xw-confusion-grid", "data-counts")
SHOWN_JS = (
    "() => Array.from(document.querySelectorAll('.xw-gallery-item'))"
    ".filter(item => !item.hidden).map(item => item.dataset.index).join(',')"
)
# Where the operating point is drawn (client px), "" before it is.
ROC_POINT_JS = (
    "() => Array.from(document.querySelectorAll('.xw-roc-chart .dot'))"
    ".map(dot => { const r = dot.getBoundingClientRect(); return `${r.x.toFixed(1)},${r.y.toFixed(1)}`; }).join(';')"
)
N_MOVES = 24
WARMUP = 2
GOAL_P50_MS = 50


def cell(page, row: int, col: int):
    return page.locator(f".xw-confusion-cell[data-row='{row}'][data-col='{col}']")


def test_a_confusion_cell_restricts_the_linked_gallery(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("model_report_shapes.ipynb", [SHAPES]))
    run_all_cells(page)
    page.wait_for_function(f"() => ({CELLS_JS})() === 16")
    page.wait_for_function("() => document.querySelectorAll('.xw-gallery-item').length === 40")
    first = json.loads(run_cell(page, SHAPES_STATE, expect_output=True))
    assert first["error"] == "" and first["shown"] == [], first
    assert read_js(page, SHOWN_JS).count(",") == 39
    # The matrix in the page is the one Python computed.
    assert read_js(page, COUNTS_JS) == ",".join(str(c) for row in first["matrix"] for c in row)

    # Click the fullest cell of the second row (the true squares): a subset of the 40.
    row = 1
    col = int(np.argmax(first["matrix"][row]))
    before = read_js(page, SHOWN_JS)
    cell(page, row, col).click()
    shown = wait_for_change(page, SHOWN_JS, before)
    state = json.loads(run_cell(page, SHAPES_STATE, expect_output=True))
    assert state["cell"] == [row, col] and state["selected"] == state["shown"], state
    assert len(state["selected"]) == first["matrix"][row][col] and state["index"] in state["selected"], state
    assert shown == ",".join(str(i) for i in state["selected"])
    assert "xw-selected" in (cell(page, row, col).get_attribute("class") or "")
    page.wait_for_function(
        "(n) => (document.querySelector('.xw-report-selection') || {}).textContent?.includes(n + ' samples selected')",
        arg=len(state["selected"]),
    )
    page.set_viewport_size({"width": 1300, "height": 1500})
    page.wait_for_timeout(400)
    save_screenshot(page, "model_report_shapes", page.locator(".xw-model-report"))
    save_screenshot(page, "model_report_linked_gallery", page.locator(".xw-gallery").first)

    # Row fractions on the toggle: the diagonal reads as percentages.
    page.locator("input.xw-confusion-normalize").check()
    wait_for_value(page, f"() => document.querySelector(\"{cell_selector(row, col)}\").textContent.endsWith('%')", True)
    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors


def cell_selector(row: int, col: int) -> str:
    return f".xw-confusion-cell[data-row='{row}'][data-col='{col}']"


def test_threshold_slider_recounts_the_matrix_and_moves_the_curves(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("model_report_cancer.ipynb", [CANCER]))
    run_all_cells(page)
    page.wait_for_function(f"() => ({CELLS_JS})() === 4")
    page.wait_for_function(f"() => ({ROC_POINT_JS})() !== ''")
    first = json.loads(run_cell(page, CANCER_STATE, expect_output=True))
    assert first["error"] == "" and first["threshold"] == 0.5, first

    # A click near the right end of the slider's track, as a user would: the value jumps there.
    slider = page.locator("input.xw-threshold")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    counts_before, point_before = read_js(page, COUNTS_JS), read_js(page, ROC_POINT_JS)
    page.mouse.click(box["x"] + 0.92 * box["width"], box["y"] + box["height"] / 2)
    counts = wait_for_change(page, COUNTS_JS, counts_before)
    wait_for_change(page, ROC_POINT_JS, point_before)
    shown_value = float(page.locator(".xw-threshold-value").text_content())
    assert 0.8 <= shown_value <= 0.99, shown_value
    moved = json.loads(run_cell(page, CANCER_STATE, expect_output=True))
    assert moved["threshold"] == pytest.approx(shown_value, abs=0.005) and moved["error"] == "", moved
    # The browser's count and Python's agree, and the operating point is the new one.
    page.wait_for_function(
        "(expected) => document.querySelector('.xw-confusion-grid').dataset.counts === expected",
        arg=",".join(str(c) for row in moved["matrix"] for c in row),
    )
    assert counts != counts_before and moved["matrix"] != first["matrix"], (counts, moved)
    assert moved["roc_point"] == pytest.approx([moved["point"]["fpr"], moved["point"]["tpr"]], abs=1e-6)

    # The false negatives' cell, then a surrogate leaf: each selects its samples.
    cell(page, 1, 0).click()
    page.wait_for_function("() => document.querySelector('.xw-report-selection')?.textContent.includes('true benign')")
    page.locator(".xw-report-sections button", has_text="Surrogate").click()
    leaf = page.locator(".xw-surrogate-leaf").first
    leaf.wait_for()
    leaf.click()
    page.wait_for_function("() => document.querySelector('.xw-report-selection')?.textContent.includes('leaf')")
    picked = json.loads(run_cell(page, CANCER_STATE, expect_output=True))
    assert picked["leaf"] >= 0 and picked["cell"] == [] and len(picked["selected"]) > 0, picked
    save_screenshot(page, "model_report_surrogate", page.locator(".xw-model-report"))
    for section, name in (("KS & lift", "model_report_ks_lift"), ("Calibration", "model_report_calibration")):
        page.locator(".xw-report-sections button", has_text=section).click()
        page.wait_for_timeout(600)
        save_screenshot(page, name, page.locator(".xw-model-report"))

    # Latency: alternate the threshold between two values whose matrices differ, by input events.
    page.locator(".xw-report-sections button", has_text="ROC").click()
    matrix_ms, curve_ms = [], []
    values = ("0.3", "0.97")
    set_value = (
        "(v) => { const s = document.querySelector('input.xw-threshold'); s.value = v;"
        " s.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    for move in range(WARMUP + N_MOVES):
        value = values[move % 2]
        before_point = read_js(page, ROC_POINT_JS)
        timing = time_to_change(page, lambda v=value: page.evaluate(set_value, v), COUNTS_JS, event="input")
        # Python's round trip: the operating point on the ROC chart, timed from the same event.
        wait_for_change(page, ROC_POINT_JS, before_point)
        moved_at = page.evaluate(
            "() => new Promise(resolve => requestAnimationFrame(() => resolve(performance.now())))"
        )
        if move >= WARMUP:
            matrix_ms.append(timing.ms)
            curve_ms.append(moved_at - timing.start)
    results = {
        "what": "threshold slider input event -> first frame with the recounted confusion matrix (JS-side)",
        "model": "zoo tabular MLP on breast cancer, 569 scores in the browser, CPU",
        "n": len(matrix_ms),
        "p50_ms": round(float(np.percentile(matrix_ms, 50)), 1),
        "p90_ms": round(float(np.percentile(matrix_ms, 90)), 1),
        "goal_p50_ms": GOAL_P50_MS,
        "operating_point_p50_ms": round(float(np.percentile(curve_ms, 50)), 1),
        "operating_point_p90_ms": round(float(np.percentile(curve_ms, 90)), 1),
        "timings_ms": [round(t, 1) for t in matrix_ms],
        "operating_point_ms": [round(t, 1) for t in curve_ms],
    }
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS_DIR / "report_latency.json").write_text(json.dumps(results, indent=2))
    print(json.dumps({k: v for k, v in results.items() if not isinstance(v, list)}))
    # A generous bound on this shared CPU; the goal (p50 < 50 ms) is reported.
    assert results["p50_ms"] < 250, results

    page.set_viewport_size({"width": 1300, "height": 1500})
    page.wait_for_timeout(400)
    save_screenshot(page, "model_report_cancer", page.locator(".xw-model-report"))
    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
