"""The browser context every tablet-app test starts from: Debian's chromium at tablet size, Norwegian locale,
service workers on (a test module may define its own, e.g. with a set clock)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

from tests.browser.support import launch
from tests.pwa.support import TABLET


@pytest.fixture
def context() -> Iterator[BrowserContext]:
    with sync_playwright() as p:
        browser = launch(p)
        ctx = browser.new_context(viewport=TABLET, locale="nb-NO", service_workers="allow")
        yield ctx
        ctx.close()
        browser.close()
