"""`make demo` starts JupyterLab with no news pop-up over the views: the set-up disables the
announcements plugin in the venv's own page config (checked here in a real JupyterLab started
the way `make demo` starts it, with no page config of the test's)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from .lab import JupyterLabServer, write_notebook

pytestmark = pytest.mark.browser

ANNOUNCEMENTS = "@jupyterlab/apputils-extension:announcements"
NEWS_TOAST = "text=official Jupyter news"


class DemoServer(JupyterLabServer):
    """JupyterLab with `make demo`'s flags and only the environment's configuration."""

    page_config = None

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            *self.server_args(),
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.user_settings_dir={self._scratch / 'user-settings'}",
            f"--LabApp.workspaces_dir={self._scratch / 'workspaces'}",
        ]


def test_the_venv_disables_jupyters_news_announcements():
    config = Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json"
    assert config.is_file(), f"{config} is missing: `make setup` writes it"
    assert json.loads(config.read_text())["disabledExtensions"].get(ANNOUNCEMENTS) is True


def test_demo_lab_shows_no_news_pop_up(browser):
    with DemoServer() as server:
        path = write_notebook(server.root_dir, "demo.ipynb", ["1 + 1"])
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        try:
            page.goto(server.lab_url(path))
            page.wait_for_selector(".jp-Notebook", timeout=90_000)
            time.sleep(6)  # the pop-up, when enabled, shows a few seconds after the page loads
            assert page.locator(NEWS_TOAST).count() == 0
        finally:
            context.close()
