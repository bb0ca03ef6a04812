"""Shared browser fixtures: Playwright (python) driving Debian's chromium against the live server.

Tests using these are marked ``browser``. Without chromium they skip with a reason, except under CI
(CI=true), where a missing browser is an error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("SOCIALCARE_CHROMIUM", ""), *CHROMIUM_CANDIDATES):
        if candidate and os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


_shared: dict[str, Any] = {}


def shared_browser() -> Any:
    """One Playwright and one Chromium per test process, however many modules ask for it (Playwright's
    sync API cannot be started twice in one thread)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required for browser tests under CI (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium) - browser tests skipped")
    if "browser" not in _shared:
        from playwright.sync_api import sync_playwright

        # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
        # itself are still synchronous and safe here.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        manager = sync_playwright()
        playwright = manager.start()
        _shared["manager"] = manager
        _shared["browser"] = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    return _shared["browser"]


def close_shared_browser() -> None:
    if "browser" in _shared:
        _shared.pop("browser").close()
        _shared.pop("manager").__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    yield shared_browser()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def login(page: Any, live_server: Any, username: str, password: str = "pw-12345678") -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
