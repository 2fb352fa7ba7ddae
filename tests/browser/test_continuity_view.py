"""ContinuityView in a real JupyterLab: the point of the max(x1, x2) network is dragged with the
mouse across the diagonal, step by step; the gradient bars jump once, by the whole axis, while the
LRP bars move a few pixels per step; the t slider moves the point in every panel; no page errors.
Screenshot: ``test-artifacts/browser/continuity_view.png``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .lab import open_notebook, read_js, run_all_cells, run_cell, save_screenshot, wait_for_change

pytestmark = pytest.mark.browser

SETUP = """\
import json
import numpy as np
import xai_widgets as xw

view = xw.ContinuityView()
view
"""

# The Python state after a drag: where the point is, and the bars against the kernel there.
STATE = """\
assert view.wait(60)
inputs = view.inputs_at([view.point])
columns = list(view.features)
worst = max(float(np.abs(view.results()[m] - view.explainer.attribute(
                inputs, m, target=0, **view.params[m]).values[0, columns].numpy()).max())
            for m in view.methods)
print(json.dumps({"point": view.point, "path_t": view.path_t, "projection": view.path_position(view.point),
                  "results": {m: v.tolist() for m, v in view.results().items()},
                  "worst_bar_error": worst, "error": view.error, "status": view.status,
                  "field_calls": [view.kernel_calls.get("field:" + m) for m in view.methods]}))
"""

STEPS = 16


def bars_js(method: str) -> str:
    """JS: the widths of ``method``'s two horizontal bars (x1's, then x2's), in pixels, as "w1,w2"
    (a string: ``wait_for_change`` compares with ``!==``)."""
    selector = json.dumps(f".xw-continuity-bars-{method} rect.bar")
    return f"() => Array.from(document.querySelectorAll({selector})).map(r => r.getAttribute('width')).join(',')"


def numbers(text: str) -> list[float]:
    return [float(part) for part in text.split(",")] if text else []


def dots_js() -> str:
    """JS: the centre of the draggable point in each panel, in pixels from its field's top-left
    corner (so that a scroll of the notebook changes nothing), as "x,y;x,y;x,y"."""
    return (
        "() => Array.from(document.querySelectorAll('.xw-continuity-field')).map(f => {"
        " const d = f.querySelector('.dot').getBoundingClientRect();"
        " const i = f.querySelector('image').getBoundingClientRect();"
        " return Math.round(d.x + d.width / 2 - i.x) + ',' + Math.round(d.y + d.height / 2 - i.y); }).join(';')"
    )


def dot_centres(text: str) -> np.ndarray:
    return np.array([numbers(part) for part in text.split(";")], float)


def settled(page, watch_js: str, before: str) -> str:
    """The value of ``watch_js`` once it has changed from ``before`` and then held still for
    150 ms: the bars of a mouse move's last point, not of one the move passed on its way."""
    value = wait_for_change(page, watch_js, before)
    while True:
        page.wait_for_timeout(150)
        now = read_js(page, watch_js)
        if now == value:
            return value
        value = now


def state(page) -> dict:
    return json.loads(run_cell(page, STATE, expect_output=True))


def plane_box(page, method: str) -> dict:
    """The screen box of ``method``'s field image, which spans the plane [0, 1]² exactly."""
    return page.locator(f".xw-continuity-field-{method} image").first.bounding_box()


def to_screen(box: dict, x1: float, x2: float) -> tuple[float, float]:
    return box["x"] + x1 * box["width"], box["y"] + (1.0 - x2) * box["height"]


def test_dragging_the_point_across_the_diagonal_jumps_the_gradient_and_turns_lrp_smoothly(
    page, lab_server, browser_errors, notebook_file
):
    open_notebook(page, lab_server, notebook_file("continuity_view.ipynb", [SETUP]))
    run_all_cells(page)
    for method in ("gradient", "grad_x_input", "lrp"):
        page.wait_for_selector(f".xw-continuity-field-{method} image", state="attached")
        page.wait_for_function(f"() => ({bars_js(method)})().split(',').length === 2")
    page.wait_for_function(
        "() => document.querySelectorAll('.xw-continuity-path path.line').length >= 9"
    )  # per chart: the diagonal, the two curves, the cursor
    opened = state(page)
    assert opened["error"] == "" and opened["point"] == [0.75, 0.25], opened
    page.wait_for_timeout(300)

    panel = page.locator(".xw-continuity-field-gradient")
    panel.scroll_into_view_if_needed()
    box = plane_box(page, "gradient")
    assert box["width"] > 150 and box["height"] > 150, box
    # From (0.75, 0.25) to (0.25, 0.75) along the anti-diagonal, the mouse held down.
    path = [(0.75 - 0.5 * k / STEPS, 0.25 + 0.5 * k / STEPS) for k in range(STEPS + 1)]
    page.mouse.move(*to_screen(box, *path[0]))
    page.mouse.down()
    gradient_widths = [numbers(read_js(page, bars_js("gradient")))]
    lrp_widths = [numbers(read_js(page, bars_js("lrp")))]
    try:
        for x1, x2 in path[1:]:
            before = read_js(page, bars_js("lrp"))
            page.mouse.move(*to_screen(box, x1, x2), steps=2)
            lrp_widths.append(numbers(settled(page, bars_js("lrp"), before)))
            gradient_widths.append(numbers(read_js(page, bars_js("gradient"))))
    finally:
        page.mouse.up()

    after = state(page)
    assert after["error"] == "" and after["status"] == "idle", after
    assert after["point"] == pytest.approx([0.25, 0.75], abs=0.012), after
    assert after["worst_bar_error"] < 1e-5, after
    assert after["results"]["gradient"] == pytest.approx([0.0, 1.0]), after
    assert after["field_calls"] == [1, 1, 1], after  # a drag recomputes the bars only
    # Dropped: the slider went to where the point projects onto the path (up to its 0.005 steps).
    assert after["path_t"] == pytest.approx(after["projection"], abs=0.003), after

    gradient_widths = np.array(gradient_widths, float)
    lrp_widths = np.array(lrp_widths, float)
    full = gradient_widths[0, 0]  # x1's gradient bar at the start: 1, the whole value axis
    assert full > 100 and gradient_widths[-1, 0] < 2 and gradient_widths[-1, 1] == pytest.approx(full, abs=1)
    gradient_steps = np.abs(np.diff(gradient_widths[:, 0]))
    lrp_steps = np.abs(np.diff(lrp_widths, axis=0)).max(1)
    print(f"\ngradient x1 bar (px): {gradient_widths[:, 0].round(1).tolist()}")
    print(f"lrp x1 bar (px): {lrp_widths[:, 0].round(1).tolist()}")
    # One jump by the whole axis (the gradient on the diagonal itself, (0.5, 0.5), may be one step).
    assert gradient_steps.max() > 0.45 * full and (gradient_steps > 2).sum() <= 2, gradient_steps
    assert gradient_steps.sum() == pytest.approx(full, abs=2)
    # LRP: a few pixels each step (R1 = x1 - x2/2 or x1/2: at most 0.047 of the axis per step), no jump.
    assert lrp_steps.max() < 0.1 * full and lrp_steps.min() > 0, lrp_steps

    # The t slider moves the point in every panel.
    handle = page.locator(".xw-continuity-slider .noUi-handle")
    handle.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    dots_before = read_js(page, dots_js())
    assert len(dot_centres(dots_before)) == 3, dots_before
    hbox = handle.bounding_box()
    track = page.locator(".xw-continuity-slider .noUi-target").bounding_box()
    x, y = hbox["x"] + hbox["width"] / 2, hbox["y"] + hbox["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(track["x"] + 0.8 * track["width"], y, steps=8)
    page.mouse.up()
    wait_for_change(page, dots_js(), dots_before)
    slid = state(page)
    assert slid["path_t"] > 0.3 and slid["error"] == "", slid
    assert slid["results"]["gradient"] == pytest.approx([1.0, 0.0]), slid
    page.wait_for_timeout(300)
    dots_after = read_js(page, dots_js())
    # Every panel's point moved right and down by the same amount.
    moves = dot_centres(dots_after) - dot_centres(dots_before)
    assert np.all(moves[:, 0] > 20) and np.all(moves[:, 1] > 20) and np.ptp(moves, axis=0).max() <= 2, moves

    page.set_viewport_size({"width": 1400, "height": 1400})
    page.mouse.move(5, 5)  # away from the figures: no hover toolbar over a title
    page.wait_for_timeout(500)
    view = page.locator(".xw-continuity-view")
    view.scroll_into_view_if_needed()
    save_screenshot(page, "continuity_view", view)

    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors


TABULAR = """\
import json
import numpy as np
import xai_widgets as xw
from xai_widgets.zoo import load_tabular, train_tabular_mlp

data = load_tabular("diabetes")
explainer = xw.Explainer(train_tabular_mlp(data, epochs=60))
view = xw.ContinuityView(explainer, data.X, features=(2, 8), feature_names=data.feature_names,
                         feature_means=data.feature_means, feature_scales=data.feature_scales)
view
"""


def test_the_same_drag_works_on_two_features_of_a_tabular_model(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("continuity_tabular.ipynb", [TABULAR]))
    run_all_cells(page)
    for method in ("gradient", "grad_x_input", "lrp"):
        page.wait_for_selector(f".xw-continuity-field-{method} image", state="attached")
    opened = state(page)
    assert opened["error"] == "" and opened["field_calls"] == [1, 1, 1], opened
    page.wait_for_timeout(300)

    page.locator(".xw-continuity-field-lrp").scroll_into_view_if_needed()
    box = plane_box(page, "lrp")
    dot = page.locator(".xw-continuity-field-lrp .dot").first.bounding_box()
    start = (dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
    before = read_js(page, bars_js("lrp"))
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.8 * box["width"], box["y"] + 0.3 * box["height"], steps=6)
    page.mouse.up()
    wait_for_change(page, bars_js("lrp"), before)
    after = state(page)
    assert after["error"] == "" and after["worst_bar_error"] < 1e-5, after
    assert after["point"] != opened["point"] and after["field_calls"] == [1, 1, 1], after
    assert after["path_t"] == pytest.approx(after["projection"], abs=0.003), after

    page.set_viewport_size({"width": 1400, "height": 1400})
    page.mouse.move(5, 5)  # away from the figures: no hover toolbar over a title
    page.wait_for_timeout(500)
    view = page.locator(".xw-continuity-view")
    view.scroll_into_view_if_needed()
    save_screenshot(page, "continuity_view_tabular", view)
    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
