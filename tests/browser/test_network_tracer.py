"""NetworkTracer in a real JupyterLab: the layers' columns paint, a click on a channel's tile fills
every panel (input attribution, weights in, contributions, activation function), a click on an
output bar traces that neuron; no page errors. Measures click-a-unit to all panels repainted
(page time, one frame resolution) and saves ``test-artifacts/browser/network_tracer.png`` and
``network_tracer_latency.json``."""

from __future__ import annotations

import json
import statistics

import numpy as np
import pytest

from .lab import (
    ARTIFACTS_DIR,
    canvas_fingerprint_js,
    open_notebook,
    run_all_cells,
    run_cell,
    save_screenshot,
    time_to_change,
)

pytestmark = pytest.mark.browser

SETUP = """\
import json
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes
from xai_widgets.widgets.views.network_tracer import _mosaic

data = make_shapes(6, seed=3)
explainer = xw.Explainer(load_shapes_model())
tracer = xw.NetworkTracer(explainer, data.images, class_names=data.class_names, sample_index=2)
tracer
"""

STATE = """\
assert tracer.wait(60)
print(json.dumps({"layer": tracer.layer, "unit": tracer.unit, "error": tracer.error, "status": tracer.status,
                  "calls": tracer.kernel_calls, "elapsed_ms": tracer.elapsed_ms,
                  "grids": {name: list(_mosaic(tracer._activations[name]).shape) for name in tracer.layers[:-1]},
                  "maps": tracer.layers[:-1]}))
"""

# Each panel's painted state, read from the page.
INPUT_JS = canvas_fingerprint_js(".xw-tracer-input canvas.xw-canvas")


def svg_js(css_class: str, selector: str, attribute: str) -> str:
    return (
        f"() => Array.from(document.querySelectorAll('.{css_class} {selector}'))"
        f".map(e => e.getAttribute('{attribute}')).join(',')"
    )


PANEL_JS = {
    "input": INPUT_JS,
    # A bqplot figure has several svg elements (background, marks): read them all.
    "weights": "() => Array.from(document.querySelectorAll('.xw-tracer-weights svg')).map(s => s.innerHTML).join('')",
    "next": svg_js("xw-tracer-next", "rect.bar", "height"),
    "output": svg_js("xw-tracer-output", "rect.bar", "height"),
    "activation": svg_js("xw-tracer-activation", "path.line", "d"),
}
# Changes to "all" once every panel differs from what it showed when the timer was armed.
ALL_PANELS_JS = (
    "(() => { const parts = ["
    + ", ".join(f"({source})" for source in PANEL_JS.values())
    + "]; let base = null; return () => { const now = parts.map(f => f());"
    " if (base === null) { base = now; return 'waiting'; }"
    " return now.every((v, i) => v !== base[i]) ? 'all' : 'waiting'; }; })()"
)


def state(page) -> dict:
    return json.loads(run_cell(page, STATE, expect_output=True))


def click_tile(canvas, row: int, col: int, grid: tuple[int, int]) -> None:
    """Click the centre of mosaic cell (row, col); Playwright fails if anything else would get the click."""
    box = canvas.bounding_box()
    canvas.click(position={"x": (col + 0.5) / grid[1] * box["width"], "y": (row + 0.5) / grid[0] * box["height"]})


def column_canvas(page, index: int):
    return page.locator(".xw-tracer-column canvas.xw-canvas").nth(index)


def test_a_unit_click_fills_the_panels_and_latency(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("network_tracer.ipynb", [SETUP]))
    run_all_cells(page)
    first = state(page)
    assert first["error"] == "" and first["layer"] == "", first
    maps = first["maps"]
    page.wait_for_function(
        "(n) => Array.from(document.querySelectorAll('.xw-tracer-column canvas.xw-canvas'))"
        ".filter(c => c.width > 0 && !c.hidden).length === n",
        arg=len(maps),
    )
    page.wait_for_function("() => document.querySelectorAll('.xw-tracer-bars rect.bar').length === 4")
    assert page.evaluate(f"({PANEL_JS['output']})()") == ""  # nothing traced yet

    # Click inside channel 5's tile of the second layer: every panel fills.
    rows, cols = first["grids"][maps[1]]
    canvas = column_canvas(page, 1)
    time_to_change(page, lambda: click_tile(canvas, 5, 5, (rows, cols)), ALL_PANELS_JS)
    clicked = state(page)
    assert clicked["layer"] == maps[1] and clicked["unit"][0] == 0 and clicked["error"] == "", clicked
    for name, source in PANEL_JS.items():
        assert page.evaluate(f"({source})()") not in ("", "none"), name

    # Latency: clicks on other channels' tiles in each conv layer, each timed until all panels repainted.
    times, first_in_layer = [], []
    for index, name in enumerate(maps):
        rows, cols = first["grids"][name]
        channels = {0: 16, 1: 24, 2: 48, 3: 64}[index]
        columns = int(np.ceil(np.sqrt(channels)))
        height = (rows + 1) // int(np.ceil(channels / columns)) - 1
        width = (cols + 1) // columns - 1
        for repeat, channel in enumerate((2, 3, 7, 9)):
            row = (channel // columns) * (height + 1) + height // 2
            col = (channel % columns) * (width + 1) + width // 2
            canvas = column_canvas(page, index)
            grid = (rows, cols)
            click = lambda c=canvas, r=row, k=col, g=grid: click_tile(c, r, k, g)  # noqa: E731
            timing = time_to_change(page, click, ALL_PANELS_JS)
            (first_in_layer if repeat == 0 and index != 1 else times).append(timing.ms)
            now = state(page)
            assert now["layer"] == name and now["unit"][0] == channel and now["error"] == "", now
    page.set_viewport_size({"width": 1500, "height": 1700})
    page.mouse.move(0, 0)  # no tooltip in the picture
    page.wait_for_timeout(500)
    save_screenshot(page, "network_tracer", page.locator(".xw-network-tracer"))
    page.set_viewport_size({"width": 1400, "height": 1000})
    # A click on an output bar traces that neuron.
    bar = page.locator(".xw-tracer-bars rect.bar").nth(2)
    bar.scroll_into_view_if_needed()
    bar.click()
    traced = state(page)
    assert traced["layer"] == "classifier" and traced["unit"] == [2] and traced["error"] == "", traced

    report = {
        "p50_ms": statistics.median(times),
        "p90_ms": float(np.percentile(times, 90)),
        "n": len(times),
        "first_click_in_a_layer_ms": first_in_layer,
        "all_ms": times,
    }
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS_DIR / "network_tracer_latency.json").write_text(json.dumps(report, indent=2))
    print(f"\ntracer click -> all panels repainted: {json.dumps(report)}")

    page.set_viewport_size({"width": 1500, "height": 1700})
    page.mouse.move(0, 0)  # no tooltip in the picture
    page.wait_for_timeout(500)
    save_screenshot(page, "network_tracer_dense", page.locator(".xw-network-tracer"))
    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
