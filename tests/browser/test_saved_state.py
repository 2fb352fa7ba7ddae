"""Saved with widget state, a notebook re-opens showing the ImageExplorer's last panels.

In JupyterLab 4 with the widget manager's ``saveState`` setting on (a user setting file in the
server's own settings folder), the test runs the explorer, picks gallery item 2 and clicks a pixel
in the browser, saves with ``docmanager:save``, reads the ``.ipynb`` from disk, shuts the kernel
down, and opens the notebook again in a new page and workspace.

What happens on re-opening (``@jupyter-widgets/jupyterlab-manager`` 5, ipywidgets 8): JupyterLab
starts a fresh kernel for the notebook (its kernelspec names one); the widget manager waits for
the session, asks the kernel which widget comms it has (none: nothing has run), and then builds
every model from the notebook's saved state, without comms. The views are drawn from those models
alone; the new kernel never defines ``explorer``. Two limits of the widget manager (not of
xai_widgets) were seen here (jupyterlab_widgets 3.0.17, ipywidgets 8.1.9):

* with no kernel at all ("No Kernel"), nothing is restored: ``restoreWidgets`` asks the kernel
  for its comms first, that throws "Kernel not set", and the notebook's state is never read
  (jupyter-widgets/ipywidgets#3773); the cell shows the ``text/plain`` repr instead;
* saving the re-opened notebook again drops the whole widget state (ipywidgets#3888), and the
  re-opened notebook is dirty at once (the manager marks it so when it registers the restored
  models), so JupyterLab's autosave (every 120 s by default) does that on its own. The last
  test pins this with a strict xfail, so a fixed jupyterlab_widgets shows up as an XPASS failure.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from .lab import (
    BrowserErrors,
    JupyterLabServer,
    attribute_js,
    canvas_pixels,
    click_cell,
    distinct_colours,
    open_notebook,
    read_js,
    run_all_cells,
    run_cell,
    save_screenshot,
    wait_for_change,
    watch_errors,
    write_notebook,
)

pytestmark = pytest.mark.browser

GRID = (64, 64)
ROW, COL = 22, 15
METHODS = ["saliency", "grad_cam"]
SAMPLE = 2
STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
MANAGER_PLUGIN = "@jupyter-widgets/jupyterlab-manager:plugin"
# Tall enough that the whole explorer (gallery, panels, charts) fits without scrolling.
TALL_VIEWPORT = {"width": 1400, "height": 2000}
BANNER = ".xw-explorer .xw-disconnected-banner"
DISCONNECTED_TEXT = "Disconnected from the kernel: run the notebook's cells to recompute."

SETUP = """\
import hashlib, json
import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

data = make_shapes(6, seed=7)
explorer = xw.ImageExplorer(xw.Explainer(load_shapes_model()), data.images, data.labels, data.class_names,
                            masks=data.masks, methods=["saliency", "grad_cam"])
explorer
"""

WAIT = "assert explorer.wait(120)"

# What Python holds after the user's gestures, with digests of the bytes the state must carry.
PYTHON_STATE = """\
assert explorer.wait(120)
c = explorer.canvas
print(json.dumps({
    "sample_index": c.sample_index, "clicked_pixel": c.clicked_pixel, "enabled_methods": c.enabled_methods,
    "target_label": c.target_label, "status": c.status, "error": c.error,
    "panels": {m: {"sha": hashlib.sha256(bytes(p["values"]["data"])).hexdigest(), "shape": p["values"]["shape"],
                   "status": p["status"]}
               for m, p in c.panels.items()},
    "image_sha": hashlib.sha256(bytes(c.image["data"])).hexdigest(),
    "samples_sha": hashlib.sha256(bytes(c.samples["data"])).hexdigest(),
}))
"""


class SavingLabServer(JupyterLabServer):
    """A JupyterLab whose user settings turn on ``saveState`` of the Jupyter widgets manager.

    The settings live in a folder of this server's own (under its temporary config folder), given
    with ``--LabApp.user_settings_dir``, so nothing outside the test changes and the session's
    shared server keeps the default (``saveState`` off)."""

    @property
    def user_settings_dir(self) -> Path:
        return self.config_dir / "user-settings"

    def command(self) -> list[str]:
        args = [arg for arg in super().command() if not arg.startswith("--LabApp.user_settings_dir=")]
        return args + [f"--LabApp.user_settings_dir={self.user_settings_dir}"]

    def __enter__(self) -> SavingLabServer:
        settings = self.user_settings_dir / "@jupyter-widgets" / "jupyterlab-manager" / "plugin.jupyterlab-settings"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps({"saveState": True}))
        return super().__enter__()


@pytest.fixture(scope="module")
def saving_server():
    with SavingLabServer() as server:
        yield server


def panel_canvas(method: str) -> str:
    return f".xw-panel[data-method={method}] canvas.xw-panel-canvas"


def wait_until_shown(page, method: str, timeout_ms: float = 60_000) -> None:
    """Until the panel is idle and its canvas shows a heatmap (computed and painted at least once)."""
    page.wait_for_selector(f".xw-panel[data-method={method}][data-status=idle]", state="attached", timeout=timeout_ms)
    page.wait_for_function(
        "(s) => { const c = document.querySelector(s);"
        " return !!c && Number(c.dataset.computed) > 0 && Number(c.dataset.painted) > 0; }",
        arg=panel_canvas(method),
        timeout=timeout_ms,
    )


def run_command(page, command: str, timeout_ms: float = 30_000) -> None:
    """Run a JupyterLab command and wait until its promise settles (with a Playwright timeout)."""
    page.evaluate(
        """(command) => {
          const state = { done: false, error: null };
          window.__xwSavedStateCommand = state;
          window.jupyterapp.commands.execute(command).then(
            () => { state.done = true; },
            (error) => { state.error = String(error && error.stack || error); state.done = true; });
        }""",
        command,
    )
    page.wait_for_function("() => window.__xwSavedStateCommand.done", timeout=timeout_ms, polling=100)
    error = page.evaluate("() => window.__xwSavedStateCommand.error")
    if error:
        raise RuntimeError(f"JupyterLab command {command!r} failed: {error}")


def api(server: JupyterLabServer, endpoint: str, method: str = "GET") -> object:
    request = urllib.request.Request(server.api_url(endpoint), method=method)
    with urllib.request.urlopen(request, timeout=15) as response:
        body = response.read()
    return json.loads(body) if body else None


def shut_down_kernels(server: JupyterLabServer, timeout_s: float = 30.0) -> None:
    """Shut down every kernel of the server the way the Kernel menu's "Shut Down Kernel" ends up
    doing it (deleting the notebook's session), and wait until none runs."""
    for session in api(server, "sessions"):
        api(server, f"sessions/{session['id']}", method="DELETE")
    deadline = time.monotonic() + timeout_s
    while api(server, "kernels") or api(server, "sessions"):
        if time.monotonic() > deadline:
            raise AssertionError(f"kernels still running: {api(server, 'kernels')}")
        time.sleep(0.2)


def saved_canvas_model(notebook) -> dict:
    """The ExplorerCanvas entry (model_name, state, buffers) of the notebook's saved widget state."""
    widgets = notebook.metadata.get("widgets", {})
    assert STATE_MIME in widgets, f"no widget state in the saved notebook's metadata: {sorted(notebook.metadata)}"
    models = widgets[STATE_MIME]["state"]
    found = [
        m for m in models.values() if m["model_module"] == "anywidget" and m["state"].get("view") == "image_explorer"
    ]
    assert len(found) == 1, f"expected one ExplorerCanvas model in the saved state, found {len(found)}"
    return found[0]


def saved_buffers(model: dict) -> dict[tuple, bytes]:
    """The model's binary buffers, decoded, by their path in the state."""
    decoded = {}
    for buffer in model.get("buffers", []):
        data = buffer["data"]
        decoded[tuple(buffer["path"])] = (
            base64.b64decode(data) if buffer["encoding"] == "base64" else bytes.fromhex(data)
        )
    return decoded


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_notebook(page) -> None:
    """``docmanager:save`` (what Ctrl+S runs) on the active notebook; wait until it is clean."""
    run_command(page, "docmanager:save")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)


@contextmanager
def lab_page(browser, server: JupyterLabServer, failure_name: str) -> Iterator[tuple[object, BrowserErrors]]:
    """A page in a fresh context (no shared storage) with a tall viewport, its errors recorded; on a
    failure inside, a screenshot ``FAILED-<failure_name>.png`` and the logs are printed."""
    context = browser.new_context(viewport=TALL_VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors = watch_errors(page)
    try:
        yield page, errors
    except BaseException:
        try:
            print(f"\nscreenshot: {save_screenshot(page, f'FAILED-{failure_name}')}")
        except Exception as error:  # the page may be gone; the logs matter more
            print(f"\nno screenshot: {error}")
        print("\n--- browser console ---\n" + "\n".join(errors.console_log[-200:]))
        print("\n--- page errors ---\n" + "\n".join(errors.page_errors))
        print("\n--- jupyter server log (tail) ---\n" + server.log_text()[-20_000:])
        raise
    finally:
        context.close()


@dataclass
class SavedNotebook:
    path: str
    python: dict  # PYTHON_STATE's output just before saving
    before: dict[str, np.ndarray]  # each panel canvas's pixels just before saving
    target_label: str  # the header's text just before saving


@pytest.fixture(scope="module")
def saved_notebook(browser, saving_server) -> SavedNotebook:
    """Run the explorer, select gallery item 2 and click a pixel in the browser, save with widget
    state, and shut the kernel down."""
    server = saving_server
    path = write_notebook(server.root_dir, "saved_state.ipynb", [SETUP, WAIT])
    with lab_page(browser, server, "saved_state_before") as (page, errors):
        open_notebook(page, server, path)
        plugin = page.evaluate(f"() => window.jupyterapp.serviceManager.settings.fetch({json.dumps(MANAGER_PLUGIN)})")
        assert plugin["settings"].get("saveState") is True, f"saveState is not on: {plugin.get('raw')}"
        run_all_cells(page)
        for method in METHODS:
            wait_until_shown(page, method)

        computed = {m: read_js(page, attribute_js(panel_canvas(m), "data-computed")) for m in METHODS}
        page.locator(f".xw-gallery-item[data-index='{SAMPLE}']").click()
        for method in METHODS:
            wait_for_change(page, attribute_js(panel_canvas(method), "data-computed"), computed[method])
            wait_until_shown(page, method)
        page.wait_for_selector(".xw-explorer-status[data-status=idle]", state="attached", timeout=60_000)
        # In the live session the view is connected: no banner.
        assert page.locator(".xw-explorer").first.get_attribute("data-disconnected") == "false"
        assert page.locator(BANNER).count() == 1 and not page.locator(BANNER).first.is_visible()
        painted = {m: read_js(page, attribute_js(panel_canvas(m), "data-painted")) for m in METHODS}
        click_cell(page, page.locator(panel_canvas("saliency")), ROW, COL, GRID)
        for method in METHODS:  # the crosshair
            wait_for_change(page, attribute_js(panel_canvas(method), "data-painted"), painted[method])

        python = json.loads(run_cell(page, PYTHON_STATE))
        assert python["sample_index"] == SAMPLE and python["clicked_pixel"] == [ROW, COL]
        assert python["enabled_methods"] == METHODS and sorted(python["panels"]) == sorted(METHODS)
        assert python["status"] == "idle" and python["error"] == ""
        saved = SavedNotebook(
            path=path,
            python=python,
            before={m: canvas_pixels(page.locator(panel_canvas(m))) for m in METHODS},
            target_label=page.locator(".xw-target-label").text_content(),
        )
        page.locator(".xw-image-explorer").first.scroll_into_view_if_needed()
        save_screenshot(page, "saved_state_before")

        save_notebook(page)  # the manager writes its state into the metadata when a save starts
        errors.assert_no_page_errors()
        assert not errors.console_errors, errors.console_errors
    shut_down_kernels(server)
    return saved


def test_the_saved_notebook_holds_the_explorer_state(saving_server, saved_notebook):
    import nbformat

    python = saved_notebook.python
    notebook = nbformat.read(saving_server.root_dir / saved_notebook.path, as_version=4)
    model = saved_canvas_model(notebook)
    state, buffers = model["state"], saved_buffers(model)
    assert state["sample_index"] == SAMPLE
    assert state["clicked_pixel"] == [ROW, COL]
    assert state["enabled_methods"] == METHODS
    assert state["target_label"] == python["target_label"]
    assert state.get("status", "idle") == "idle" and state.get("error", "") == ""
    assert sorted(state["panels"]) == sorted(METHODS)
    for method in METHODS:
        entry = state["panels"][method]
        assert entry["status"] == "idle" and entry["values"]["shape"] == python["panels"][method]["shape"]
        values = buffers.get(("panels", method, "values", "data"))
        assert values is not None, f"the {method} values are missing from the saved buffers: {sorted(buffers)}"
        assert sha(values) == python["panels"][method]["sha"], f"the saved {method} values differ from Python's"
    assert sha(buffers[("image", "data")]) == python["image_sha"], "the saved image is not sample 2's"
    assert sha(buffers[("samples", "data")]) == python["samples_sha"], "the saved gallery differs from Python's"
    # The explorer cell's output points at a model the saved state holds (the ImageExplorer VBox).
    views = [o["data"][VIEW_MIME]["model_id"] for o in notebook.cells[0].outputs if VIEW_MIME in o.get("data", {})]
    assert len(views) == 1 and views[0] in notebook.metadata["widgets"][STATE_MIME]["state"]


def test_the_reopened_notebook_shows_the_last_panels(browser, saving_server, saved_notebook):
    server = saving_server
    assert not api(server, "kernels"), "a kernel still runs"
    with lab_page(browser, server, "saved_state_reopened") as (page, errors):
        opened = time.monotonic()
        open_notebook(page, server, saved_notebook.path)  # JupyterLab starts a new kernel; this waits until it is idle
        for method in METHODS:
            wait_until_shown(page, method)
        shown_after_s = time.monotonic() - opened

        assert page.locator(".xw-panel").count() == len(METHODS)
        for method in METHODS:
            shown = canvas_pixels(page.locator(panel_canvas(method)))
            assert (shown[..., 3] == 255).all(), f"{method}: the canvas has unpainted pixels"
            assert distinct_colours(shown) > 100, f"{method}: the canvas is (nearly) one flat colour"
            # Same values, display settings and crosshair: the same picture as before saving.
            before = saved_notebook.before[method]
            assert shown.shape == before.shape, f"{method}: shown at another size"
            differing = (shown != before).any(axis=-1).mean()
            assert differing < 0.001, f"{method}: {differing:.1%} of the pixels differ from before saving"
        assert page.locator(".xw-gallery-item").count() == 6
        selected = page.locator(".xw-gallery-item.xw-selected")
        assert selected.count() == 1 and selected.get_attribute("data-index") == str(SAMPLE)
        assert page.locator(".xw-target-label").text_content() == saved_notebook.target_label
        assert page.locator(".xw-image-explorer .bqplot").first.locator("rect.bar").count() > 0, "no prediction bars"

        # Drawn from the saved state alone: the new kernel has run nothing and holds no widget.
        assert (
            run_cell(page, "import sys; print('explorer' in globals(), 'xai_widgets' in sys.modules)") == "False False"
        )

        # ... and the view says so, instead of silently taking clicks that nothing will answer.
        banner = page.locator(BANNER).first
        assert banner.is_visible() and banner.text_content() == DISCONNECTED_TEXT
        assert page.locator(".xw-explorer").first.get_attribute("data-disconnected") == "true"
        banner_box, view_box = banner.bounding_box(), page.locator(".xw-explorer").first.bounding_box()
        assert banner_box is not None and view_box is not None and abs(banner_box["y"] - view_box["y"]) < 2, (
            "the banner is not at the top of the view"
        )
        page.locator(".xw-gallery-item[data-index='0']").click()
        page.wait_for_timeout(300)
        selected = page.locator(".xw-gallery-item.xw-selected")
        assert selected.count() == 1 and selected.get_attribute("data-index") == str(SAMPLE), (
            "a click on a disconnected view changed its selection"
        )

        errors.assert_no_page_errors()
        assert not errors.console_errors, errors.console_errors
        page.locator(".xw-image-explorer").first.scroll_into_view_if_needed()
        save_screenshot(page, "saved_state_reopened")
        print(f"\nre-opened: panels painted {shown_after_s:.1f} s after the page was opened")
    shut_down_kernels(server)


@pytest.mark.xfail(
    strict=True,
    reason="ipywidgets#3888: saving a notebook whose widgets were restored from saved state (no live "
    "kernel models) writes an empty widget state; remove this mark when jupyterlab_widgets fixes it",
)
def test_saving_the_reopened_notebook_keeps_the_widget_state(browser, saving_server, saved_notebook):
    import nbformat

    server = saving_server
    path = "resaved.ipynb"
    shutil.copyfile(server.root_dir / saved_notebook.path, server.root_dir / path)
    with lab_page(browser, server, "saved_state_resaved") as (page, errors):
        open_notebook(page, server, path)
        for method in METHODS:
            wait_until_shown(page, method)
        # The manager marks the notebook dirty when it registers the restored models, so autosave
        # would save it too; the test saves at once.
        assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
        save_notebook(page)
    shut_down_kernels(server)
    state = saved_canvas_model(nbformat.read(server.root_dir / path, as_version=4))["state"]
    assert state["sample_index"] == SAMPLE and sorted(state["panels"]) == sorted(METHODS)
