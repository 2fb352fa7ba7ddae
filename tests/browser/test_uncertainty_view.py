"""UncertaintyView in a real JupyterLab: the error-against-σ scatter fills in, a click on a point
shows that sample's histogram and attribution bars, and dragging the MC-samples slider recomputes;
no page errors. Saves ``test-artifacts/browser/uncertainty_view.png``."""

from __future__ import annotations

import json

import pytest

from .lab import open_notebook, read_js, run_all_cells, run_cell, save_screenshot, wait_for_change

pytestmark = pytest.mark.browser

SETUP = """\
import json
import xai_widgets as xw
from xai_widgets.zoo import make_noisy_regression, train_gaussian_mlp

data = make_noisy_regression(n_train=400, n_test=80, seed=0)
explainer = xw.Explainer(train_gaussian_mlp(data), task="gaussian")
view = xw.UncertaintyView(explainer, data.x_test, data.y_test, n_samples=20, feature_names=["x"])
view
"""

STATE = """\
assert view.wait(60)
print(json.dumps({"sample": view.sample_index, "n_samples": view.n_samples, "used": view.uncertainty.n_samples,
                  "histogram": float(view.distribution.counts.sum()), "calls": view.kernel_calls,
                  "coverage": f"{view.coverage:.0%} of 80 under it", "error": view.error, "status": view.status}))
"""

DOTS_JS = "() => document.querySelectorAll('.xw-uncertainty-error-sigma .dot').length"
HISTOGRAM_JS = (
    "() => Array.from(document.querySelectorAll('.xw-uncertainty-histogram path.line'))"
    ".map(p => p.getAttribute('d')).join(',')"
)
BARS_JS = (
    "() => Array.from(document.querySelectorAll('.xw-uncertainty-std-bars rect.bar'))"
    ".map(r => r.getAttribute('x') + '/' + r.getAttribute('width')).join(',')"
)
KEY_JS = "() => (document.querySelector('.xw-error-sigma-key') || {}).textContent || ''"


def state(page) -> dict:
    return json.loads(run_cell(page, STATE, expect_output=True))


def test_scatter_fills_a_click_shows_the_histogram_and_the_slider_recomputes(
    page, lab_server, browser_errors, notebook_file
):
    open_notebook(page, lab_server, notebook_file("uncertainty_view.ipynb", [SETUP]))
    run_all_cells(page)
    page.wait_for_function(f"() => ({DOTS_JS})() === 80")
    page.wait_for_function(f"() => ({KEY_JS})().includes('under it')")
    first = state(page)
    assert first["error"] == "" and first["histogram"] == 20, first

    # Click on the point of sample 40, as a user would; points overlap, so the one expected is
    # whichever is drawn on top there.
    histogram_before = read_js(page, HISTOGRAM_JS)
    bars_before = read_js(page, BARS_JS)
    dot = page.locator(".xw-uncertainty-error-sigma .dot").nth(40)
    dot.scroll_into_view_if_needed()
    box = dot.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    on_top = page.evaluate(
        "([x, y]) => Array.from(document.querySelectorAll('.xw-uncertainty-error-sigma .dot'))"
        ".indexOf(document.elementFromPoint(x, y))",
        [x, y],
    )
    assert on_top >= 0
    page.mouse.click(x, y)
    wait_for_change(page, HISTOGRAM_JS, histogram_before)
    wait_for_change(page, BARS_JS, bars_before)
    clicked = state(page)
    assert clicked["sample"] == on_top != 0 and clicked["error"] == "", clicked

    # Drag the MC-samples slider to the right: the estimate is recomputed with more samples.
    handle = page.locator(".xw-uncertainty-slider .noUi-handle")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    track = page.locator(".xw-uncertainty-slider .noUi-target").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(track["x"] + 0.5 * track["width"], y, steps=8)
    page.mouse.up()
    page.wait_for_function(f"() => ({HISTOGRAM_JS})() !== {json.dumps(read_js(page, HISTOGRAM_JS))}")
    after = state(page)
    assert after["n_samples"] > 60 and after["used"] == after["n_samples"], after
    assert after["histogram"] == after["n_samples"] and after["calls"]["predict_uncertainty"] == 2, after
    assert after["error"] == "" and after["status"] == "idle", after
    # The page shows the coverage of the new estimate.
    page.wait_for_function(f"() => ({KEY_JS})().includes({json.dumps(after['coverage'])})")

    page.set_viewport_size({"width": 1400, "height": 1800})
    page.wait_for_timeout(500)
    save_screenshot(page, "uncertainty_view", page.locator(".xw-uncertainty-view"))
    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
