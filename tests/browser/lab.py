"""A harness for browser tests: a throwaway JupyterLab server, Chromium, and helpers on a Playwright page.

Typical use (the fixtures in ``conftest.py`` do the first three lines)::

    with JupyterLabServer() as server, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        path = write_notebook(server.root_dir, "demo.ipynb", ["import xai_widgets as xw", "view = ...; view"])
        open_notebook(page, server, path)
        run_all_cells(page)
        canvas = page.locator(".xw-heatmap canvas.xw-canvas").first
        click_cell(page, canvas, row=3, col=5, grid=(64, 64))
        assert run_cell(page, "print(view.clicked_pixel)") == "[3, 5]"

Everything that talks to the notebook goes through ``window.jupyterapp`` (the server is started
with ``--LabApp.expose_app_in_browser=True``) and acts on the active notebook, the way a user would.
Timeouts are in milliseconds where they are handed to Playwright, seconds for the server.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
# Playwright adds --headless itself; the rest keep Chromium off the network and the GPU.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1400, "height": 1000}
# Without the first, JupyterLab's announcements extension opens a news pop-up over the notebook.
# The build check would run node scripts from the venv, which fail as ES modules whenever the venv
# sits under a package.json with "type": "module" (this repository's own), and only add log noise.
_PAGE_CONFIG = {
    "disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True},
    "buildAvailable": False,
    "buildCheck": False,
}


class CellError(AssertionError):
    """A cell run by the harness raised in the kernel; the message holds the traceback text."""


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class JupyterLabServer:
    """``jupyter lab`` from this Python's environment, on 127.0.0.1, isolated from the user's setup.

    On enter it starts the server with a random token on a free port (no retries onto another
    port), in a temporary root folder where tests write notebooks, with temporary config,
    runtime, settings and workspace folders, and waits until ``/api/status`` answers. On exit it
    asks the server to shut down (which also stops its kernels), then terminates its process
    group, and removes the temporary folders. The server's output is kept in a log file for
    :meth:`log_text`, so a failing test can print it.
    """

    def __init__(self, root_dir: Path | None = None, startup_timeout: float = 90.0) -> None:
        self.token = secrets.token_hex(16)
        self.port = 0
        self.startup_timeout = startup_timeout
        self._scratch = Path(tempfile.mkdtemp(prefix="xw-lab-"))
        self.root_dir = Path(root_dir) if root_dir is not None else self._scratch / "root"
        self.root_dir.mkdir(parents=True, exist_ok=True)
        self.config_dir = self._scratch / "config"
        self.log_path = self._scratch / "server.log"
        self._process: subprocess.Popen | None = None
        self._log_file = None
        self.saved_log = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server_args(self) -> list[str]:
        """Flags every Jupyter front end here shares: loopback, our port and token, our root,
        root user allowed."""
        args = [
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")
        return args

    def command(self) -> list[str]:
        """The command line; a subclass could start another Jupyter front end here."""
        return [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            *self.server_args(),
            "--LabApp.news_url=None",
            "--LabApp.extension_manager=readonly",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={self._scratch / 'user-settings'}",
            f"--LabApp.workspaces_dir={self._scratch / 'workspaces'}",
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["JUPYTER_CONFIG_DIR"] = str(self.config_dir)
        env["JUPYTER_RUNTIME_DIR"] = str(self._scratch / "runtime")
        env["PYTHONUNBUFFERED"] = "1"
        return env

    # The page config written into the temporary config folder; None writes none (so only the
    # environment's own, such as the one `make setup` puts in the venv, applies).
    page_config: dict | None = _PAGE_CONFIG

    def __enter__(self) -> JupyterLabServer:
        labconfig = self.config_dir / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        if self.page_config is not None:
            (labconfig / "page_config.json").write_text(json.dumps(self.page_config))
        self.port = free_port()
        self._log_file = open(self.log_path, "wb")
        self._process = subprocess.Popen(
            self.command(),
            cwd=self.root_dir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so exit can stop all of it
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with code {self._process.returncode} before answering:\n{self.log_text()}"
                )
            try:
                with urllib.request.urlopen(self.api_url("status"), timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise TimeoutError(
            f"jupyter lab did not answer /api/status within {self.startup_timeout} s:\n{self.log_text()}"
        )

    def __exit__(self, *exc_info: object) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            try:  # a clean shutdown also shuts down the kernels, which run in their own sessions
                request = urllib.request.Request(self.api_url("shutdown"), method="POST", data=b"")
                urllib.request.urlopen(request, timeout=5).close()
                process.wait(timeout=15)
            except (urllib.error.URLError, ConnectionError, TimeoutError, subprocess.TimeoutExpired):
                pass
            for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                if process.poll() is not None:
                    break
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=wait_s)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        self.saved_log = self.log_text()
        shutil.rmtree(self._scratch, ignore_errors=True)  # holds the root too, unless one was given

    def api_url(self, endpoint: str) -> str:
        return f"{self.base_url}/api/{endpoint}?token={self.token}"

    def lab_url(self, path: str, workspace: str | None = None) -> str:
        """The URL that opens notebook ``path`` (relative to the root) in a fresh, empty workspace,
        so a page never restores tabs that an earlier test left open."""
        workspace = workspace or f"t{uuid.uuid4().hex[:12]}"
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/{path}?token={self.token}"

    def notebook_url(self, path: str) -> str:
        """The URL at which this front end opens notebook ``path``; :func:`open_notebook` uses it."""
        return self.lab_url(path)

    def log_text(self) -> str:
        """Everything the server has printed so far (also after exit, until the folder is removed)."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return self.saved_log


class NotebookServer(JupyterLabServer):
    """``jupyter notebook`` (Notebook 7) with the same isolation and ``window.jupyterapp`` exposed,
    so the notebook helpers below work on its pages too (its notebook view is a JupyterLab
    ``NotebookPanel`` with the same commands)."""

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "jupyter",
            "notebook",
            *self.server_args(),
            "--JupyterNotebookApp.expose_app_in_browser=True",
            f"--JupyterNotebookApp.user_settings_dir={self._scratch / 'user-settings'}",
            f"--JupyterNotebookApp.workspaces_dir={self._scratch / 'workspaces'}",
        ]

    def notebook_url(self, path: str) -> str:
        return f"{self.base_url}/notebooks/{path}?token={self.token}"


def write_notebook(root_dir: Path, name: str, cells: Sequence[str], kernel_name: str = "python3") -> str:
    """Write a notebook of code ``cells`` under ``root_dir`` and return its path relative to it."""
    import nbformat  # here, not at the top: it takes seconds to import and conftest loads this module on every run

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": kernel_name, "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    path = Path(root_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return Path(name).as_posix()


# --------------------------------------------------------------------------------------------
# The browser
# --------------------------------------------------------------------------------------------


def launch_chromium(playwright: Any, executable: Path = CHROMIUM, **options: Any) -> Any:
    """Debian's Chromium, headless, through Playwright (never ``playwright install``).

    ``launch`` gives every browser a fresh temporary profile (user-data dir) and removes it on close.
    """
    return playwright.chromium.launch(
        executable_path=str(executable), headless=True, args=list(CHROMIUM_FLAGS), **options
    )


@dataclass
class BrowserErrors:
    """Uncaught page exceptions and ``console.error`` messages seen on a page since :func:`watch_errors`."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    console_log: list[str] = field(default_factory=list)

    def assert_no_page_errors(self) -> None:
        assert not self.page_errors, "uncaught errors in the page:\n" + "\n".join(self.page_errors)

    def unexpected_console_errors(self, ignore: Sequence[str] = ()) -> list[str]:
        """Console errors that contain none of the strings in ``ignore``."""
        return [text for text in self.console_errors if not any(part in text for part in ignore)]


def watch_errors(page: Any) -> BrowserErrors:
    """Start recording a page's uncaught exceptions and console messages."""
    errors = BrowserErrors()

    def on_console(message: Any) -> None:
        line = f"[{message.type}] {message.text}"
        errors.console_log.append(line)
        if message.type == "error":
            errors.console_errors.append(message.text)

    page.on("pageerror", lambda error: errors.page_errors.append(f"{error.name}: {error.message}\n{error.stack}"))
    page.on("console", on_console)
    return errors


def save_screenshot(page: Any, name: str, target: Any = None) -> Path:
    """Save ``test-artifacts/browser/NAME.png`` (git-ignored) of the viewport, or of a locator ``target``."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    if target is None:
        page.screenshot(path=str(path))
    else:
        target.screenshot(path=str(path))
    return path


# --------------------------------------------------------------------------------------------
# The notebook, through window.jupyterapp
# --------------------------------------------------------------------------------------------

# JS prelude shared by the helpers below: `panel`, the active main-area widget, and `isNotebook`.
_PANEL = """
const app = window.jupyterapp;
const panel = app && app.shell.currentWidget;
const isNotebook = !!(panel && panel.content && panel.sessionContext && panel.content.widgets);
"""

# JS prelude (after _PANEL): `idle`, whether the active notebook's kernel is connected and idle.
_KERNEL_IDLE = """
const kernel = isNotebook && panel.sessionContext.session && panel.sessionContext.session.kernel;
const idle = !!kernel && kernel.status === "idle";
"""

# JS: start a command without awaiting it in `evaluate` (which has no timeout); Python then waits
# on window.__xwCommand with a Playwright timeout.
_START_COMMAND = """
(command) => {
  const state = { done: false, result: null, error: null };
  window.__xwCommand = state;
  window.jupyterapp.commands.execute(command).then(
    (result) => { state.result = result === undefined ? null : result; state.done = true; },
    (error) => { state.error = String(error && error.stack || error); state.done = true; },
  );
}
"""

_COMMAND_FINISHED = (
    "() => {"
    + _PANEL
    + _KERNEL_IDLE
    + """
  const state = window.__xwCommand;
  if (!state || !state.done || !idle) return false;
  const prompts = Array.from(panel.node.querySelectorAll(".jp-InputPrompt"));
  return !prompts.some((prompt) => prompt.textContent.includes("*"));
}"""
)

# JS: the outputs of cell `index` of the active notebook as nbformat JSON.
_CELL_OUTPUTS = (
    "(index) => {"
    + _PANEL
    + """
  const model = panel.content.model.cells.get(index);
  if (!model || model.type !== "code") return [];
  const outputs = [];
  for (let i = 0; i < model.outputs.length; i++) outputs.push(model.outputs.get(i).toJSON());
  return outputs;
}"""
)


def open_notebook(page: Any, server: JupyterLabServer, path: str, timeout_ms: float = 90_000) -> None:
    """Open notebook ``path`` (relative to the server root) and wait until its kernel is idle."""
    page.goto(server.notebook_url(path), timeout=timeout_ms)
    page.wait_for_function(
        "(path) => {"
        + _PANEL
        + _KERNEL_IDLE
        + "return isNotebook && panel.context.isReady && panel.context.path === path && idle; }",
        arg=path,
        timeout=timeout_ms,
        polling=100,
    )


def _error_text(output: dict) -> str:
    traceback = "\n".join(output.get("traceback", []))
    return f"{output.get('ename')}: {output.get('evalue')}\n{_strip_ansi(traceback)}"


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def notebook_errors(page: Any) -> list[str]:
    """The error outputs (``ename: evalue`` and traceback) of every cell of the active notebook."""
    count = page.evaluate("() => {" + _PANEL + "return isNotebook ? panel.content.model.cells.length : 0; }")
    errors = []
    for index in range(count):
        errors += [_error_text(o) for o in page.evaluate(_CELL_OUTPUTS, index) if o["output_type"] == "error"]
    return errors


def _execute_and_wait(page: Any, command: str, timeout_ms: float) -> None:
    page.evaluate(_START_COMMAND, command)
    page.wait_for_function(_COMMAND_FINISHED, timeout=timeout_ms, polling=100)
    error = page.evaluate("() => window.__xwCommand.error")
    if error:
        raise RuntimeError(f"JupyterLab command {command!r} failed: {error}")


def run_all_cells(page: Any, timeout_ms: float = 180_000) -> None:
    """Run every cell of the active notebook and wait until the kernel is idle and no prompt
    shows ``[*]``; raise :class:`CellError` if any cell ended in an error."""
    _execute_and_wait(page, "notebook:run-all-cells", timeout_ms)
    errors = notebook_errors(page)
    if errors:
        raise CellError("a cell raised:\n" + "\n\n".join(errors))


def run_cell(page: Any, code: str, timeout_ms: float = 60_000, expect_output: bool = False) -> str:
    """Append a code cell holding ``code`` to the active notebook, run it, and return its text
    output (stdout, stderr and ``text/plain`` results, joined, without the trailing newline).
    Raise :class:`CellError` with the traceback if it raised. This is how a test reads Python state::

        assert run_cell(page, "print(view.clicked_pixel)") == "[20, 41]"

    With ``expect_output``, also wait (up to 10 s) for the cell to have an output, and fail with
    the outputs of the last few cells if none comes: once, under load, a cell that prints
    unconditionally was seen with no output after its run had finished (cause not found), and
    the test then failed on parsing an empty string, which said nothing about why.
    """
    index = page.evaluate(
        "(code) => {"
        + _PANEL
        + """
  if (!isNotebook) throw new Error("no notebook is active");
  const notebook = panel.content;
  notebook.activeCellIndex = notebook.widgets.length - 1;
  notebook.deselectAll();
  app.commands.execute("notebook:insert-cell-below");
  // insert-cell-below is synchronous and leaves the new cell active.
  if (notebook.activeCell.model.type !== "code") app.commands.execute("notebook:change-cell-to-code");
  notebook.activeCell.model.sharedModel.setSource(code);
  return notebook.activeCellIndex;
}""",
        code,
    )
    _execute_and_wait(page, "notebook:run-cell", timeout_ms)
    if expect_output:
        try:
            page.wait_for_function(
                "(index) => {"
                + _PANEL
                + "const model = panel.content.model.cells.get(index); return !!model && model.outputs.length > 0; }",
                arg=index,
                timeout=10_000,
                polling=50,
            )
        except Exception as error:
            recent = {i: page.evaluate(_CELL_OUTPUTS, i) for i in range(max(0, index - 3), index + 1)}
            raise CellError(f"cell {code!r} ran but showed no output; outputs of the last cells: {recent}") from error
    texts = []
    for output in page.evaluate(_CELL_OUTPUTS, index):
        kind = output["output_type"]
        if kind == "error":
            raise CellError(f"cell {code!r} raised:\n{_error_text(output)}")
        if kind == "stream":
            texts.append(_join(output["text"]))
        elif kind in ("execute_result", "display_data") and "text/plain" in output.get("data", {}):
            texts.append(_join(output["data"]["text/plain"]) + "\n")
    return "".join(texts).rstrip("\n")


def _join(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


# --------------------------------------------------------------------------------------------
# Canvases
# --------------------------------------------------------------------------------------------

# JS: a canvas's backing-store RGBA pixels, base64-encoded (a JSON list of numbers is ~10x larger).
_CANVAS_PIXELS = """
(canvas) => {
  const { width, height } = canvas;
  const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  let binary = "";
  for (let i = 0; i < data.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
  }
  return { width, height, rgba: btoa(binary) };
}
"""


def canvas_pixels(canvas: Any) -> np.ndarray:
    """The backing-store pixels of a canvas ``Locator`` as a uint8 array (height, width, 4), RGBA.

    The backing store is the CSS size times ``devicePixelRatio`` (1 in the default viewport)."""
    result = canvas.evaluate(_CANVAS_PIXELS)
    pixels = np.frombuffer(base64.b64decode(result["rgba"]), dtype=np.uint8)
    return pixels.reshape(result["height"], result["width"], 4)


def distinct_colours(pixels: np.ndarray) -> int:
    """How many different RGBA values an (H, W, 4) array holds."""
    return len(np.unique(pixels.reshape(-1, 4).view(np.uint32)))


def cell_centre(box: dict, row: int, col: int, grid: tuple[int, int]) -> tuple[float, float]:
    """Client (x, y) of the centre of data cell (row, col) of a (height, width) ``grid`` shown in
    ``box`` (a Playwright bounding box, CSS px). The centre, not the edge: rounding at an edge
    lands in the neighbouring cell."""
    height, width = grid
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"cell ({row}, {col}) is outside the {height}x{width} grid")
    return box["x"] + (col + 0.5) / width * box["width"], box["y"] + (row + 0.5) / height * box["height"]


def click_cell(page: Any, canvas: Any, row: int, col: int, grid: tuple[int, int]) -> tuple[float, float]:
    """Click the centre of data cell (row, col) of a canvas showing a (height, width) ``grid`` at
    whatever CSS size it has; return the client point clicked."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    if box is None:
        raise AssertionError("the canvas is not visible, so it cannot be clicked")
    x, y = cell_centre(box, row, col, grid)
    page.mouse.click(x, y)
    return x, y


def drag_cells(
    page: Any, canvas: Any, start: tuple[int, int], end: tuple[int, int], grid: tuple[int, int], steps: int = 8
) -> None:
    """Press the mouse on the centre of data cell ``start`` (row, col) of a canvas showing a
    (height, width) ``grid``, move in ``steps`` to the centre of cell ``end``, and release."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    if box is None:
        raise AssertionError("the canvas is not visible, so it cannot be dragged on")
    x0, y0 = cell_centre(box, *start, grid)
    x1, y1 = cell_centre(box, *end, grid)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=steps)
    page.mouse.up()


def backing_cell_centre(shape: tuple[int, ...], row: int, col: int, grid: tuple[int, int]) -> tuple[float, float]:
    """(x, y) in backing-store pixels of the centre of data cell (row, col), for a canvas whose
    pixel array has ``shape`` (height, width, ...)."""
    return (col + 0.5) / grid[1] * shape[1], (row + 0.5) / grid[0] * shape[0]


# --------------------------------------------------------------------------------------------
# Latency: from a user event to a repaint, measured in the page
# --------------------------------------------------------------------------------------------


def canvas_fingerprint_js(selector: str) -> str:
    """A JS function (source) returning a hash of the pixels of the first canvas matching
    ``selector``; for :func:`time_to_change`. Costs about 1 ms per 256x256 canvas."""
    return (
        "() => { const c = document.querySelector(" + json.dumps(selector) + ");"
        " if (!c || !c.width) return 'none';"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let h = 2166136261; for (let i = 0; i < d.length; i++) { h ^= d[i]; h = Math.imul(h, 16777619); }"
        " return c.width + 'x' + c.height + ':' + (h >>> 0); }"
    )


def attribute_js(selector: str, name: str) -> str:
    """A JS function (source) returning attribute ``name`` of the first element matching ``selector``."""
    return (
        "() => { const e = document.querySelector(" + json.dumps(selector) + ");"
        " return e ? e.getAttribute(" + json.dumps(name) + ") : null; }"
    )


_ARM_TIMER = """
([watchSource, eventType]) => {
  const watch = (0, eval)("(" + watchSource + ")");
  const state = { start: null, end: null, error: null, baseline: null, value: null };
  window.__xwTimer = state;
  try { state.baseline = watch(); } catch (error) { state.error = String(error); return; }
  const onEvent = (event) => { if (state.start === null) state.start = event.timeStamp; };
  if (eventType) window.addEventListener(eventType, onEvent, { capture: true });
  else state.start = performance.now();
  const check = () => {
    if (state.end !== null || state.error !== null || state.start === null) return;
    let value;
    try { value = watch(); } catch (error) { state.error = String(error); return; }
    if (value !== state.baseline) {
      state.end = performance.now();
      state.value = value;
      if (eventType) window.removeEventListener(eventType, onEvent, { capture: true });
    }
  };
  // Check once per frame, in a task queued from requestAnimationFrame so that it runs after the
  // frame's own animation callbacks (where views draw): resolution is one frame (~17 ms).
  const loop = () => {
    if (state.end !== null || state.error !== null) return;
    setTimeout(check, 0);
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}
"""


@dataclass(frozen=True)
class Timing:
    """One measurement: milliseconds from the event to the first frame showing the change."""

    ms: float
    start: float
    end: float


def time_to_change(
    page: Any,
    action: Callable[[], Any],
    watch_js: str,
    event: str | None = "click",
    timeout_ms: float = 30_000,
) -> Timing:
    """Measure, in page time (``performance.now``), from a user event to the first frame where
    the value of ``watch_js`` (the source of a JS function of no arguments returning a primitive,
    e.g. :func:`canvas_fingerprint_js` or :func:`attribute_js`) differs from its value before.

    ``action`` performs the event (a click, a key press); the clock starts at the ``timeStamp``
    of the first ``event`` of that type dispatched in the page (capture phase on window), or,
    with ``event=None``, when the timer is armed just before ``action`` runs (for changes sent
    from Python, say). Resolution is one animation frame.
    """
    page.evaluate(_ARM_TIMER, [watch_js, event])
    action()
    page.wait_for_function(
        "() => { const s = window.__xwTimer; return s.end !== null || s.error !== null; }",
        timeout=timeout_ms,
        polling=50,
    )
    state = page.evaluate("() => window.__xwTimer")
    if state["error"]:
        raise RuntimeError(f"the watched value could not be read: {state['error']}")
    return Timing(ms=state["end"] - state["start"], start=state["start"], end=state["end"])


def wait_for_change(page: Any, watch_js: str, before: Any, timeout_ms: float = 30_000) -> Any:
    """Wait until the JS function ``watch_js`` returns something other than ``before``; return it."""
    handle = page.wait_for_function(
        "([source, before]) => { const value = (0, eval)('(' + source + ')')(); "
        "return value !== before ? value : false; }",
        arg=[watch_js, before],
        timeout=timeout_ms,
        polling="raf",
    )
    return handle.json_value()


def wait_for_value(page: Any, watch_js: str, value: Any, timeout_ms: float = 30_000) -> None:
    """Wait until the JS function ``watch_js`` returns ``value`` (a primitive)."""
    page.wait_for_function(
        "([source, value]) => (0, eval)('(' + source + ')')() === value",
        arg=[watch_js, value],
        timeout=timeout_ms,
        polling="raf",
    )


def read_js(page: Any, watch_js: str) -> Any:
    """The current value of the JS function ``watch_js``."""
    return page.evaluate("(source) => (0, eval)('(' + source + ')')()", watch_js)
