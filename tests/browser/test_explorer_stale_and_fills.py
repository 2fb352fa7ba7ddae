"""The ImageExplorer in a real JupyterLab: a map being recomputed is shown dimmed, durations read
in seconds, and the rectangle tool fills with the chosen fill (the image blurred by default,
or black), which the toolbar names.

A slow model (it sleeps in every forward pass) makes occlusion take a few seconds, long enough
to see the last map dimmed while the next sample's map is computed.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from .lab import (
    attribute_js,
    canvas_pixels,
    cell_centre,
    open_notebook,
    read_js,
    run_all_cells,
    run_cell,
    save_screenshot,
    wait_for_change,
)

pytestmark = pytest.mark.browser

GRID = (64, 64)

SLOW_SETUP = """\
import json
import time
import torch
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes


class SlowModel(torch.nn.Module):
    \"\"\"The shapes CNN, sleeping ``delay`` seconds in every forward pass. The sleep is a forward
    hook: occlusion traces a plain CNN once and recomputes patches without calling its forward per
    pass, and a model with hooks runs whole passes.\"\"\"

    def __init__(self):
        super().__init__()
        self.inner = load_shapes_model()
        self.delay = 0.6
        self.register_forward_pre_hook(lambda _module, _inputs: time.sleep(self.delay))

    def forward(self, x):
        return self.inner(x)


data = make_shapes(4, seed=7)
explorer = xw.ImageExplorer(xw.Explainer(SlowModel()), data.images, data.labels, data.class_names,
                            methods=["occlusion"])
explorer.set_params("occlusion", window=8, stride=4)
explorer
"""

PANEL = ".xw-panel[data-method=occlusion]"
CANVAS = f"{PANEL} canvas.xw-panel-canvas"
STATUS = f"{PANEL} .xw-panel-status"
OPACITY_JS = "() => getComputedStyle(document.querySelector(" + json.dumps(CANVAS) + ")).opacity"


def wait_until_idle(page) -> None:
    page.wait_for_selector(f"{PANEL}[data-status=idle]", state="attached", timeout=90_000)
    page.wait_for_function(
        "(s) => { const c = document.querySelector(s); return !!c && Number(c.dataset.painted) > 0; }",
        arg=CANVAS,
        timeout=30_000,
    )


def test_a_map_being_recomputed_is_dimmed_and_durations_read_in_seconds(
    page, lab_server, browser_errors, notebook_file
):
    open_notebook(page, lab_server, notebook_file("explorer_stale.ipynb", [SLOW_SETUP]))
    run_all_cells(page)
    wait_until_idle(page)
    assert (
        run_cell(
            page, "assert explorer.wait(120); print(explorer.canvas.panels['occlusion']['status'])", expect_output=True
        )
        == "idle"
    )
    elapsed_ms = float(run_cell(page, "print(explorer.canvas.panels['occlusion']['elapsed_ms'])", expect_output=True))
    assert elapsed_ms > 1000, f"occlusion took {elapsed_ms} ms: the model should make it take seconds"
    # A multi-second call reads in seconds ("2.9 s"), never "2.9e+3 ms" or "2930 ms".
    text = page.locator(STATUS).text_content().strip()
    assert re.fullmatch(r"\d+(\.\d)? s", text), text
    shown = float(text.split()[0])
    assert abs(shown - elapsed_ms / 1000) <= 0.051 + (0.5 if shown >= 10 else 0), (text, elapsed_ms)
    assert page.locator(PANEL).get_attribute("data-stale") == "false"
    assert float(read_js(page, OPACITY_JS)) == 1.0
    before = canvas_pixels(page.locator(CANVAS))

    # Another sample: until its map arrives the last one stays, dimmed, and says it is computing.
    computed = read_js(page, attribute_js(CANVAS, "data-computed"))
    page.locator(".xw-gallery-item[data-index='1']").click()
    page.wait_for_selector(f"{PANEL}[data-stale=true]", state="attached", timeout=30_000)
    assert float(read_js(page, OPACITY_JS)) < 0.5, "the stale map is drawn at full strength"
    assert page.locator(STATUS).text_content().strip() == "computing…"
    assert read_js(page, attribute_js(CANVAS, "data-computed")) == computed, "the old map was replaced early"
    save_screenshot(page, "explorer_stale_map_dimmed", page.locator(".xw-image-explorer"))

    # The new map arrives at full strength.
    wait_for_change(page, attribute_js(CANVAS, "data-computed"), computed, timeout_ms=60_000)
    wait_until_idle(page)
    page.wait_for_selector(f"{PANEL}[data-stale=false]", state="attached", timeout=10_000)
    assert float(read_js(page, OPACITY_JS)) == 1.0
    assert (canvas_pixels(page.locator(CANVAS)) != before).any(), "the new sample's map was not painted"
    assert re.fullmatch(r"\d+(\.\d)? s", page.locator(STATUS).text_content().strip())
    save_screenshot(page, "explorer_stale_map_replaced", page.locator(".xw-image-explorer"))
    browser_errors.assert_no_page_errors()


FILL_SETUP = """\
import json
import torch
import xai_widgets as xw
from xai_widgets.kernel.inputs.baselines import gaussian_blur
from xai_widgets.zoo import load_shapes_model, make_shapes

data = make_shapes(8, seed=7)
explainer = xw.Explainer(load_shapes_model())
explorer = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names, methods=["saliency"])
explorer
"""

# The first sample is a circle; its mask's box, one pixel larger on each side.
BOX = """\
assert data.class_names[int(data.labels[0])] == "circle"
rows, cols = torch.nonzero(data.masks[0, 0], as_tuple=True)
print(json.dumps([max(int(rows.min()) - 1, 0), max(int(cols.min()) - 1, 0),
                  min(int(rows.max()) + 1, 63), min(int(cols.max()) + 1, 63)]))
"""

# What Python holds after an edit: the edits, the fill trait, the probabilities, and how far the
# edited image is from the blurred original inside the box and from the original outside it.
EDITED = """\
assert explorer.wait(120)
r0, c0, r1, c1 = BOX_RECT
inside = torch.zeros((64, 64), dtype=torch.bool)
inside[r0 : r1 + 1, c0 : c1 + 1] = True
image, original = explorer._image, data.images[0]
blurred = gaussian_blur(original[None])[0]
print(json.dumps({
    "edits": explorer.canvas.edits, "edit_fill": explorer.canvas.edit_fill,
    "probabilities": explorer._probabilities.tolist(), "class_names": list(data.class_names),
    "from_blur_inside": float((image[:, inside] - blurred[:, inside]).abs().max()),
    "from_zero_inside": float(image[:, inside].abs().max()),
    "from_original_outside": float((image[:, ~inside] - original[:, ~inside]).abs().max()),
    "blur_moves_inside": float((blurred[:, inside] - original[:, inside]).abs().max()),
    "blurred_uint8": (blurred.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).tolist(),
}))
"""

INPUT_CANVAS = ".xw-input-tile canvas.xw-input-canvas"


def edited_state(page, box: list[int]) -> dict:
    return json.loads(run_cell(page, EDITED.replace("BOX_RECT", json.dumps(box)), expect_output=True))


def drag_box(page, box: list[int], screenshot: str | None = None) -> np.ndarray:
    """Drag a rectangle over ``box`` on the input tile; return the canvas as the preview showed it."""
    canvas = page.locator(INPUT_CANVAS)
    canvas.scroll_into_view_if_needed()
    bounds = canvas.bounding_box()
    page.mouse.move(*cell_centre(bounds, box[0], box[1], GRID))
    page.mouse.down()
    page.mouse.move(*cell_centre(bounds, box[2], box[3], GRID), steps=8)
    page.wait_for_timeout(100)  # a frame or two for the preview
    preview = canvas_pixels(canvas)
    if screenshot:
        save_screenshot(page, screenshot, page.locator(".xw-explorer"))
    page.mouse.up()
    return preview


def test_the_rectangle_fills_with_the_blurred_image_by_default_and_the_toolbar_says_so(
    page, lab_server, browser_errors, notebook_file
):
    open_notebook(page, lab_server, notebook_file("explorer_fills.ipynb", [FILL_SETUP]))
    run_all_cells(page)
    page.wait_for_selector(".xw-panel[data-method=saliency][data-status=idle]", state="attached", timeout=60_000)
    box = json.loads(run_cell(page, BOX, expect_output=True))
    original = json.loads(
        run_cell(
            page, "assert explorer.wait(60); print(json.dumps(explorer._probabilities.tolist()))", expect_output=True
        )
    )

    # The toolbar offers the fills and names the one in use: blur by default.
    fill = page.locator("select.xw-edit-fill")
    assert fill.input_value() == "blur"
    options = fill.locator("option")
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == ["blur", "mean", "black"]
    assert page.locator(".xw-toolbar").get_attribute("data-fill") == "blur"
    assert page.locator(".xw-edit-fill-control").inner_text().strip().startswith("fill")
    page.locator(".xw-tool[data-tool=rectangle]").click()
    page.wait_for_selector(".xw-explorer[data-tool=rectangle]")
    page.wait_for_selector(".xw-edit-fill-control.xw-active", state="attached")

    # Drag a box over the circle: the preview shows the blur, Python fills with the blurred image.
    before = canvas_pixels(page.locator(INPUT_CANVAS))
    preview = drag_box(page, box, "explorer_fill_blur_preview")
    scale = before.shape[0] // GRID[0]
    inner = (slice((box[0] + 2) * scale, (box[2] - 1) * scale), slice((box[1] + 2) * scale, (box[3] - 1) * scale))
    changed = (preview[inner] != before[inner]).any(axis=-1).mean()
    assert changed > 0.5, f"the preview changed only {changed:.0%} of the box"
    page.wait_for_function(
        "() => document.querySelector('.xw-input-tile .xw-tile-title').textContent === 'input (edited)'"
    )
    state = edited_state(page, box)
    assert state["edits"] == [{"tool": "rectangle", "rect": box, "fill": "blur"}]
    assert state["edit_fill"] == "blur"
    assert state["blur_moves_inside"] > 0.2, "the blur should change the circle's pixels"
    assert state["from_blur_inside"] < 1e-6 and state["from_original_outside"] == 0.0, state
    # ... and the page shows the blurred pixels there (the input canvas, cell centres of the box).
    page.wait_for_timeout(200)
    shown = canvas_pixels(page.locator(INPUT_CANVAS))
    blurred = np.asarray(state["blurred_uint8"], dtype=np.int16)
    for row in range(box[0] + 1, box[2], 4):
        for col in range(box[1] + 1, box[3], 4):
            pixel = shown[int((row + 0.5) * scale), int((col + 0.5) * scale), :3].astype(np.int16)
            assert np.abs(pixel - blurred[row, col]).max() <= 1, (row, col, pixel, blurred[row, col])
    names = state["class_names"]
    circle, square = names.index("circle"), names.index("square")
    blur_probabilities = state["probabilities"]
    assert blur_probabilities[circle] < original[circle] - 0.3, "the blur did not remove the circle"
    save_screenshot(page, "explorer_fill_blur", page.locator(".xw-explorer"))

    # Black, chosen in the toolbar, paints a confident square where the blur left the model unsure.
    page.locator(".xw-reset").click()
    page.wait_for_function("() => document.querySelector('.xw-input-tile .xw-tile-title').textContent === 'input'")
    fill.select_option("black")
    page.wait_for_selector(".xw-toolbar[data-fill=black]", state="attached")
    preview = drag_box(page, box, "explorer_fill_black_preview")
    assert (preview[inner][..., :3] == 0).all(axis=-1).mean() > 0.8, "the black preview is not black"
    page.wait_for_function(
        "() => document.querySelector('.xw-input-tile .xw-tile-title').textContent === 'input (edited)'"
    )
    state = edited_state(page, box)
    assert state["edits"] == [{"tool": "rectangle", "rect": box, "fill": "black"}] and state["edit_fill"] == "black"
    assert state["from_zero_inside"] == 0.0
    black_probabilities = state["probabilities"]
    assert black_probabilities[square] > 0.85, black_probabilities
    assert blur_probabilities[square] < black_probabilities[square] - 0.2, (blur_probabilities, black_probabilities)
    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
