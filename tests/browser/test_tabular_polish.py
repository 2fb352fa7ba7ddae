"""The tabular views as SHAP users read them, in a real JupyterLab (issue 10, defects 9 and 5).

Defect 9: each method's bars are sorted by |attribution| (largest on top), each labelled with the
feature's value in original units ("bmi = 32.1"); a waterfall runs from the base value E[f(x)]
(the mean model output over the data set) to f(x); the sweep's axis reads in original units.

Defect 5 (tabular bars and the WeightsView): no two tick labels of an axis read the same, the
names are written horizontally (no rotated labels), inside the figure, and over no bar.
"""

from __future__ import annotations

import json
import re

import pytest

from .lab import open_notebook, read_js, run_all_cells, run_cell, save_screenshot

pytestmark = pytest.mark.browser

SETUP = """\
import json
import numpy as np
import torch
import xai_widgets as xw
from xai_widgets.zoo import load_tabular, train_tabular_mlp
from xai_widgets.widgets.views.tabular_explorer import TabularExplorer
from xai_widgets.widgets.views.weights_view import WeightsView

data = load_tabular("diabetes")
explainer = xw.Explainer(train_tabular_mlp(data))
explorer = TabularExplorer(
    explainer, data.X, data.y, data.feature_names,
    feature_means=data.feature_means, feature_scales=data.feature_scales,
)
explorer
"""

WEIGHTS = """\
linear = torch.nn.Linear(10, 1)
with torch.no_grad():
    linear.weight.copy_(torch.tensor([[0.52, -0.61, 0.58, 0.55, -0.03, 0.6, 0.57, -0.56, 0.54, 0.59]]))
weights = WeightsView(linear, data.feature_names, X=data.X)
weights
"""

STATE = """\
assert explorer.wait(60)
point = explorer.sweep.point()
f_x = float(explainer.outputs(point)[0, 0])
raw = (point[0] * data.feature_scales + data.feature_means).numpy()
ig = explorer.results()["integrated_gradients"]
order = [int(i) for i in np.argsort(-np.abs(ig), kind="stable")]
print(json.dumps({
    "waterfall": explorer.waterfall_state, "f_x": f_x,
    "mean_output": float(explainer.outputs(data.X)[:, 0].double().mean()),
    "expected_labels": [f"{data.feature_names[i]} = {raw[i]:.4g}" for i in order],
    "ig": [float(v) for v in ig], "error": explorer.error,
    "cursor": [float(v) for v in explorer.sweep.chart.cursor.x],
    "raw_at_cursor": float(raw[explorer.sweep.feature_index]),
}))
"""


def figure_js(selector: str) -> str:
    """JS: per figure matching ``selector``, its box, its bars' boxes and every axis's tick labels
    (text, box, transform) in document order."""
    return (
        "() => Array.from(document.querySelectorAll("
        + json.dumps(selector)
        + """)).map((figure) => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const axes = Array.from(figure.querySelectorAll('g.axis')).map((axis) =>
    Array.from(axis.querySelectorAll('g.tick')).filter((tick) => tick.querySelector('text')).map((tick) => {
      const text = tick.querySelector('text');
      return { text: text.textContent, box: box(text),
               transform: (text.getAttribute('transform') || '') + ' ' + (tick.getAttribute('transform') || '') };
    }).filter((tick) => tick.text !== ''));
  return { box: box(figure), bars: Array.from(figure.querySelectorAll('rect.bar')).map(box), axes };
})"""
    )


def overlap(a: list[float], b: list[float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return max(width, 0.0) * max(height, 0.0)


def check_tidy(figure: dict, what: str) -> None:
    """Unique tick labels per axis; horizontal labels inside the figure, over no bar."""
    assert figure["axes"], f"{what}: no axes drawn"
    left, top, right, bottom = figure["box"]
    for axis in figure["axes"]:
        texts = [tick["text"] for tick in axis]
        assert len(texts) == len(set(texts)), f"{what}: repeated tick labels {texts}"
        for tick in axis:
            angles = [float(a) for a in re.findall(r"rotate\((-?[\d.]+)", tick["transform"])]
            assert not any(angles), f"{what}: rotated label {tick}"
            x0, y0, x1, y1 = tick["box"]
            assert x0 >= left - 1 and x1 <= right + 1 and y0 >= top - 1 and y1 <= bottom + 1, (
                f"{what}: label {tick['text']!r} {tick['box']} outside the figure {figure['box']}"
            )
            for bar in figure["bars"]:
                assert overlap(tick["box"], bar) < 1.0, f"{what}: label {tick['text']!r} over a bar {bar}"


def test_bars_sorted_and_labelled_waterfall_from_base_value_to_output(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("tabular_polish.ipynb", [SETUP]))
    run_all_cells(page)
    page.wait_for_selector(".xw-bars-integrated_gradients rect.bar", state="attached")
    page.wait_for_selector(".xw-waterfall path.line", state="attached")
    state = json.loads(run_cell(page, STATE, expect_output=True))
    assert state["error"] == "", state
    page.wait_for_timeout(500)

    # The bars in the page: names with values in original units, sorted by |attribution|, top first.
    [bars] = read_js(page, figure_js(".xw-bars-integrated_gradients"))
    names = max(bars["axes"], key=lambda axis: sum(" = " in tick["text"] for tick in axis))
    shown = [tick["text"] for tick in sorted(names, key=lambda tick: tick["box"][1])]
    expected = state["expected_labels"]
    assert [label.split(" = ")[0] for label in shown] == [label.split(" = ")[0] for label in expected], (
        shown,
        expected,
    )
    assert [float(label.split(" = ")[1]) for label in shown] == pytest.approx(
        [float(label.split(" = ")[1]) for label in expected], rel=2e-3
    )
    assert any(label.startswith("age = ") and float(label.split(" = ")[1]) > 18 for label in shown), shown
    widths = [b[2] - b[0] for b in sorted(bars["bars"], key=lambda b: b[1])]
    assert len(widths) == 10 and all(a >= b - 0.5 for a, b in zip(widths, widths[1:], strict=False)), widths
    check_tidy(bars, "integrated_gradients bars")

    # The waterfall: E[f(x)] (mean output over the data set) -> ... -> f(x), with its residual.
    waterfall = state["waterfall"]
    assert waterfall["method"] == "integrated_gradients"
    assert waterfall["base_value"] == pytest.approx(state["mean_output"], abs=1e-5)
    assert waterfall["output"] == pytest.approx(state["f_x"], abs=1e-5)
    rows = waterfall["rows"]
    assert rows[0][0].startswith("E[f(x)]") and rows[0][1] == pytest.approx(state["mean_output"], abs=1e-5)
    assert rows[-1][0].startswith("f(x)") and rows[-1][2] == pytest.approx(state["f_x"], abs=1e-5)
    assert all(a[2] == pytest.approx(b[1], abs=1e-6) for a, b in zip(rows, rows[1:], strict=False)), rows
    assert waterfall["attribution_sum"] == pytest.approx(sum(state["ig"]), abs=1e-4)
    # IG's completeness: sum = f(x) - f(reference) + delta; the residual row is what the sum misses.
    residual = waterfall["output"] - waterfall["reference_output"] - waterfall["attribution_sum"]
    assert waterfall["residual"] == pytest.approx(residual, abs=1e-5)
    [drawn] = read_js(page, figure_js(".xw-waterfall"))
    row_labels = max(drawn["axes"], key=len)
    top_down = [tick["text"] for tick in sorted(row_labels, key=lambda tick: tick["box"][1])]
    assert top_down[0].startswith("E[f(x)]") and top_down[-1].startswith("f(x)"), top_down
    assert any("reference" in label for label in top_down) and any("residual" in label for label in top_down)
    caption = read_js(page, "() => document.querySelector('.xw-waterfall-caption').textContent")
    assert "mean model output" in caption and "f(x) - f(reference)" in caption, caption
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.wait_for_timeout(300)
    save_screenshot(page, "tabular_polish_explorer", page.locator(".xw-tabular-explorer"))
    check_tidy(drawn, "waterfall")

    # The sweep's axis in original units: the cursor sits at the sample's raw value.
    assert state["cursor"] == pytest.approx([state["raw_at_cursor"]] * 2, rel=1e-4)
    labels = read_js(
        page, "() => Array.from(document.querySelectorAll('.xw-sweep-chart text')).map(t => t.textContent)"
    )
    assert any("(original units)" in text for text in labels), labels

    page.set_viewport_size({"width": 1400, "height": 2600})
    page.wait_for_timeout(500)
    save_screenshot(page, "tabular_polish_explorer", page.locator(".xw-tabular-explorer"))
    browser_errors.assert_no_page_errors()


def test_tabular_and_weights_bars_have_unique_ticks_and_readable_names(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("tabular_polish_weights.ipynb", [SETUP, WEIGHTS]))
    run_all_cells(page)
    page.wait_for_selector(".xw-weights-bars rect.bar", state="attached")
    page.wait_for_selector(".xw-global-bars rect.bar", state="attached")
    assert json.loads(run_cell(page, "print(json.dumps(explorer.wait(60)))", expect_output=True))
    page.wait_for_timeout(800)

    [weights] = read_js(page, figure_js(".xw-weights-bars"))
    check_tidy(weights, "weights")
    names = [tick["text"] for tick in max(weights["axes"], key=lambda axis: sum(t["text"].isalpha() for t in axis))]
    assert {"s6", "bmi", "age"} <= set(names), names  # whole names, none cut ("s(")
    for selector in (".xw-bars-gradient", ".xw-bars-grad_x_input", ".xw-global-bars"):
        [figure] = read_js(page, figure_js(selector))
        check_tidy(figure, selector)

    save_screenshot(page, "tabular_polish_weights", page.locator(".xw-weights-bars"))
    save_screenshot(page, "tabular_polish_global", page.locator(".xw-global-bars"))
    browser_errors.assert_no_page_errors()
