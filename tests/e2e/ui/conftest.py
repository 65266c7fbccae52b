"""Browser tests of the UI: Debian's Chromium driven by Playwright against real servers.

Playwright cannot download its own browsers here, so it launches the system's Chromium
(``CHROMIUM`` overrides the path). Screenshots of the pages go to ``tests/e2e/ui/artifacts/``
(not committed); the README's screenshot is made by the run-page test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium per test module: Playwright's sync API keeps an event loop running
    while it is started, which later tests of the same process must not find."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: CI installs it (.ci/run)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh page (its own cookies) that fails the test on any dialog a page did not ask for,
    and on any script error of the UI's own origin."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    new_page = context.new_page()
    new_page.set_default_timeout(30_000)
    try:
        yield new_page
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder of the screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
