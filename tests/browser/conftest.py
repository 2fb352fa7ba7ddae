"""Fixtures for browser tests: one JupyterLab server and one Chromium per session, a fresh page per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from .lab import (
    CHROMIUM,
    VIEWPORT,
    BrowserErrors,
    JupyterLabServer,
    launch_chromium,
    save_screenshot,
    watch_errors,
    write_notebook,
)

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.browser_failed = report.failed  # read by the page fixture's teardown
    return report


@pytest.fixture(scope="session")
def lab_server() -> Iterator[JupyterLabServer]:
    with JupyterLabServer() as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (`make browser-deps`) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, lab_server: JupyterLabServer, request: pytest.FixtureRequest) -> Iterator[object]:
    """A new page (own context: no shared cookies or storage) with a 1400x1000 viewport.

    Page errors and console messages are recorded (see the ``browser_errors`` fixture). When the
    test fails, a screenshot ``FAILED-<test>.png`` is saved and the console and server logs printed.
    """
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    request.node.browser_errors = watch_errors(page)
    yield page
    if getattr(request.node, "browser_failed", False):
        try:
            shot = save_screenshot(page, f"FAILED-{request.node.name}")
            print(f"\nscreenshot: {shot}")
        except Exception as error:  # the page may be gone; the logs matter more
            print(f"\nno screenshot: {error}")
        print("\n--- browser console ---\n" + "\n".join(request.node.browser_errors.console_log[-200:]))
        print("\n--- page errors ---\n" + "\n".join(request.node.browser_errors.page_errors))
        print("\n--- jupyter server log (tail) ---\n" + lab_server.log_text()[-20_000:])
    context.close()


@pytest.fixture
def browser_errors(page, request: pytest.FixtureRequest) -> BrowserErrors:
    """Uncaught exceptions and console errors of this test's page, recorded since it opened."""
    return request.node.browser_errors


@pytest.fixture
def notebook_file(lab_server: JupyterLabServer) -> Callable[[str, Sequence[str]], str]:
    """``notebook_file(name, cells)`` writes a notebook of code cells into the server's root and
    returns its path there, ready for ``open_notebook``."""

    def write(name: str, cells: Sequence[str]) -> str:
        return write_notebook(lab_server.root_dir, name, cells)

    return write
