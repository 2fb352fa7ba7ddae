"""FeatureVisualizer in a real JupyterLab: a click on Run starts an ascent whose image repaints
while it runs, a click on Pause stops it (the picture stays put), Resume continues it, and
"All classes" fills the gallery, a neuron objective runs; no page errors. Saves
``test-artifacts/browser/feature_visualizer.png`` and ``feature_visualizer_neuron.png``."""

from __future__ import annotations

import json
import time

import pytest

from .lab import canvas_fingerprint_js, open_notebook, read_js, run_all_cells, run_cell, save_screenshot

pytestmark = pytest.mark.browser

SETUP = """\
import json
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model
from xai_widgets.zoo.shapes import CLASS_NAMES

view = xw.FeatureVisualizer(xw.Explainer(load_shapes_model()), shape=(3, 64, 64), class_names=CLASS_NAMES)
view.steps.value = 100000
view
"""

STATE = """\
print(json.dumps({"state": view.state, "steps": view.steps_done, "frames": view.frames, "error": view.error,
                  "done": None if view.result is None else view.result.steps_done}))
"""

IMAGE_JS = canvas_fingerprint_js(".xw-fv-image canvas.xw-canvas")
GALLERY_JS = (
    "() => Array.from(document.querySelectorAll('.xw-fv-gallery-tile canvas.xw-canvas'))"
    ".filter(c => c.width > 0 && !c.hidden).length"
)


def state(page) -> dict:
    return json.loads(run_cell(page, STATE, expect_output=True))


def button(page, name: str):
    return page.locator(f".xw-fv-{name} button, button.xw-fv-{name}").first


def test_the_image_evolves_while_running_and_pause_stops_it(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("feature_visualizer.ipynb", [SETUP]))
    run_all_cells(page)
    page.wait_for_selector(".xw-fv-curve")
    button(page, "run").click()

    # The picture changes several times while the optimisation runs.
    seen = []
    deadline = time.time() + 60
    while len(set(seen)) < 4 and time.time() < deadline:
        value = read_js(page, IMAGE_JS)
        if value != "none" and (not seen or value != seen[-1]):
            seen.append(value)
        page.wait_for_timeout(50)
    assert len(set(seen)) >= 4, seen
    running = state(page)
    assert running["state"] == "running" and running["frames"] >= 4, running

    button(page, "pause").click()
    page.wait_for_function("() => !document.querySelector('.xw-fv-resume button, button.xw-fv-resume').disabled")
    paused = state(page)
    for _ in range(20):
        if paused["state"] == "paused":
            break
        page.wait_for_timeout(200)
        paused = state(page)
    assert paused["state"] == "paused" and paused["error"] == "" and 0 < paused["done"] < 100000, paused
    still = read_js(page, IMAGE_JS)
    page.wait_for_timeout(800)
    assert read_js(page, IMAGE_JS) == still, "the image kept changing after Pause"
    assert state(page)["done"] == paused["done"]

    # Resume continues the same ascent; then the batched gallery of every class.
    run_cell(page, "view.steps.value = 40")
    button(page, "resume").click()
    page.wait_for_function(
        "() => !document.querySelector('.xw-fv-run button, button.xw-fv-run').disabled", timeout=60_000
    )
    resumed = state(page)
    assert resumed["state"] == "done" and resumed["done"] == paused["done"] + 40, resumed
    button(page, "all-classes").click()
    page.wait_for_function(f"() => ({GALLERY_JS})() === 4", timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('.xw-fv-run button, button.xw-fv-run').disabled", timeout=60_000
    )
    assert state(page)["error"] == ""

    page.set_viewport_size({"width": 1400, "height": 1500})
    page.wait_for_timeout(500)
    save_screenshot(page, "feature_visualizer", page.locator(".xw-feature-visualizer"))

    # One neuron: the toggle shows the layer, channel and position controls; Run maximises it.
    page.locator(".xw-feature-visualizer button", has_text="one neuron").click()
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.xw-fv-position')).some(e => e.offsetParent !== null)"
    )
    run_cell(page, 'view.layer.value = "features.relu3"; view.channel.value = 5')
    button(page, "run").click()
    page.wait_for_function(
        "() => !document.querySelector('.xw-fv-run button, button.xw-fv-run').disabled", timeout=60_000
    )
    neuron = json.loads(
        run_cell(
            page,
            'print(json.dumps({"error": view.error, "objective": view.result.objective, '
            '"units": [list(u) for u in view.result.units], "title": view.figure.title}))',
            expect_output=True,
        )
    )
    assert neuron["error"] == "" and neuron["objective"] == "neuron", neuron
    assert neuron["units"] == [[5, 8, 8]] and "neuron" in neuron["title"], neuron
    save_screenshot(page, "feature_visualizer_neuron", page.locator(".xw-feature-visualizer"))
    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
