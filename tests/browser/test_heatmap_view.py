"""HeatmapView in a real JupyterLab: it paints, a click reaches Python and draws a crosshair,
and a colormap change repaints in the browser without touching any other trait."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .lab import (
    ARTIFACTS_DIR,
    backing_cell_centre,
    canvas_fingerprint_js,
    canvas_pixels,
    click_cell,
    distinct_colours,
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

GRID = (64, 64)
ROW, COL = 20, 41
CANVAS = ".xw-heatmap canvas.xw-canvas"

SETUP = """\
import numpy as np
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

shapes = make_shapes(1, seed=3)
images, masks = shapes.images, shapes.masks[:, 0]
model = load_shapes_model()
"""

SHOW = """\
result = xw.Explainer(model).attribute(images[:1], "integrated_gradients")
view = xw.HeatmapView.from_attribution(images[0], result)
view.set_mask(masks[0])
view
"""


def _near_crosshair(changed: np.ndarray, x: float, y: float, tolerance: float) -> np.ndarray:
    """Which changed pixels lie within ``tolerance`` px of the vertical or horizontal line through (x, y)."""
    rows, cols = np.nonzero(changed)
    return (np.abs(cols + 0.5 - x) <= tolerance) | (np.abs(rows + 0.5 - y) <= tolerance)


def _edge_band(mask: np.ndarray, shape: tuple[int, ...], radius: int) -> np.ndarray:
    """Backing-store pixels within ``radius`` px of an edge of the (H, W) ``mask`` scaled up to ``shape``."""
    scale = shape[0] // mask.shape[0]
    scaled = np.kron(mask, np.ones((scale, scale), dtype=bool))
    padded = np.pad(scaled, radius, mode="edge")
    band = np.zeros_like(scaled)
    height, width = scaled.shape
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            band |= padded[dy : dy + height, dx : dx + width] != scaled
    return band


def test_heatmap_view_paints_clicks_and_recolours_in_the_browser(page, lab_server, browser_errors, notebook_file):
    open_notebook(page, lab_server, notebook_file("heatmap_view.ipynb", [SETUP, SHOW]))
    run_all_cells(page)

    # Painted: the image under the heatmap, many colours, every pixel opaque.
    canvas = page.locator(CANVAS).first
    canvas.wait_for(state="visible")
    painted = canvas_pixels(canvas)
    assert painted.shape[:2] == (256, 256), "a 64x64 grid is shown 4x, at devicePixelRatio 1"
    assert (painted[..., 3] == 255).all(), "the canvas has transparent (unpainted) pixels"
    assert distinct_colours(painted) > 100, "the canvas is (nearly) one flat colour"

    # The mask outline runs along the mask's edges: removing the mask changes exactly those pixels,
    # and putting it back restores the same picture.
    fingerprint = canvas_fingerprint_js(CANVAS)
    with_mask = read_js(page, fingerprint)
    bits = bytes.fromhex(run_cell(page, "print(np.packbits(masks[0].numpy()).tobytes().hex())"))
    mask = np.unpackbits(np.frombuffer(bits, dtype=np.uint8))[: GRID[0] * GRID[1]].reshape(GRID).astype(bool)
    run_cell(page, "view.set_mask(np.zeros((0, 0), np.uint8))")
    wait_for_change(page, fingerprint, with_mask)
    outline = (canvas_pixels(canvas) != painted).any(axis=-1)
    assert not (outline & ~_edge_band(mask, painted.shape, 2)).any(), "the outline strays from the mask's edges"
    assert outline[_edge_band(mask, painted.shape, 1)].mean() > 0.7, "the outline misses parts of the mask's edges"
    run_cell(page, "view.set_mask(masks[0])")
    wait_for_value(page, fingerprint, with_mask)

    # A click on the centre of cell (20, 41) reaches Python as [row, col] and draws a crosshair there.
    click = time_to_change(page, lambda: click_cell(page, canvas, ROW, COL, GRID), fingerprint, event="click")
    assert run_cell(page, "print(view.clicked_pixel)") == f"[{ROW}, {COL}]"
    crossed = canvas_pixels(canvas)
    changed = (crossed != painted).any(axis=-1)
    x, y = backing_cell_centre(crossed.shape, ROW, COL, GRID)
    near = _near_crosshair(changed, x, y, 4)  # the dark line is 3 px wide, anti-aliased
    assert near.all(), f"{(~near).sum()} pixels changed away from the crosshair"
    across = changed[int(y) - 4 : int(y) + 5].any(axis=0)
    down = changed[:, int(x) - 4 : int(x) + 5].any(axis=1)
    assert across.mean() > 0.9 and down.mean() > 0.9, "the crosshair does not cross the whole canvas"

    # colormap is display-only: the canvas repaints and no other trait changes, in either direction.
    run_cell(
        page, "import traitlets\nchanges = []\nview.observe(lambda c: changes.append(c['name']), names=traitlets.All)"
    )
    recolour = time_to_change(page, lambda: run_cell(page, 'view.colormap = "viridis"'), fingerprint, event=None)
    recoloured = canvas_pixels(canvas)
    assert (recoloured != crossed).any(axis=-1).mean() > 0.3, "viridis repainted too few pixels"
    assert run_cell(page, "print(changes)") == "['colormap']"

    browser_errors.assert_no_page_errors()
    assert not browser_errors.console_errors, browser_errors.console_errors
    canvas.scroll_into_view_if_needed()
    save_screenshot(page, "heatmap_view")
    save_screenshot(page, "heatmap_view_widget", page.locator(".xw-heatmap").first)
    (ARTIFACTS_DIR / "heatmap_view_timings.json").write_text(
        json.dumps({"click_to_crosshair_ms": click.ms, "python_colormap_to_repaint_ms": recolour.ms})
    )
    print(f"\nclick -> crosshair {click.ms:.0f} ms; python colormap -> repaint {recolour.ms:.0f} ms")
