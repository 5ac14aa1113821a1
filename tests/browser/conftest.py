"""Fixtures for the browser tests: a live demo platform and Debian's Chromium.

The platform is served once per session by uvicorn on a free port, on a fresh SQLite
data directory with the demo data. Chromium is driven through Playwright's sync API;
without /usr/bin/chromium the tests are skipped (``make test`` installs it), except
under CI, where a missing browser is an error. Screenshots of each step are kept in
``var/test-screenshots/`` (git-ignored) for a person to look at after the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.live import CHROMIUM, LiveServer, launch_chromium, start_live_server

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-screenshots"
_taken: list[Path] = []  # this session's screenshots, for the summary line


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    server = start_live_server(tmp_path_factory.mktemp("browser"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: run `sh scripts/system-packages.sh test`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed: run `make install`")
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@pytest.fixture
def new_page(browser, live_server: LiveServer) -> Iterator[Callable[..., object]]:
    """``new_page(locale="zh-CN")`` → a page in a fresh browser context (own cookies)."""
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(
            base_url=live_server.base_url,
            locale=locale,
            viewport={"width": 1280, "height": 800},
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shoot(screenshot_dir: Path) -> Callable[[object, str], Path]:
    """``shoot(page, "zh-CN-01-login")`` saves a full-page PNG and returns its path."""

    def take(page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, type="png")
        _taken.append(path)
        return path

    return take


def pytest_terminal_summary(terminalreporter) -> None:
    if _taken:
        terminalreporter.write_line(f"browser test screenshots ({len(_taken)}): {SCREENSHOTS}")
