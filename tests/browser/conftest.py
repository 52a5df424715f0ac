"""The page every console, dashboard and admin test starts from: Debian's chromium at a desktop size,
Norwegian locale."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.browser.support import launch


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nb-NO")
        yield context.new_page()
        context.close()
        browser.close()
