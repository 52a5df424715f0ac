"""The managers' dashboard in Debian's chromium: the hand-built week (tests/backend/kpi_week.py) shows the
hand-computed figures; a manager sees no drill-down; a coordinator clicks a point and sees the visits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from tests.backend.kpi_week import PASSWORD, build_kpi_week
from tests.browser.support import screenshot, seeded_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seeded_server(tmp_path_factory.mktemp("kpis"), _seed) as url:
        yield url


def _seed(session: Session) -> None:
    build_kpi_week(session)


def _login(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_manager_sees_the_figures_and_coordinator_drills_down(server: str, page: Page) -> None:
    _login(page, server, "leder")
    page.goto(f"{server}/nokkeltall?week=2026-W48&weeks=4")
    expect(page.locator("h1")).to_have_text("Nøkkeltall")
    row = page.locator("#kpi-table tbody tr", has_text="Nord")
    expect(row.locator("td.punctuality")).to_have_text("33.3")
    expect(row.locator("td.coverage")).to_have_text("50.0")
    expect(page.locator(".run-chart")).to_have_count(20)  # every KPI (with «ikke utført», «samme tid»)
    assert page.locator(".run-chart[data-kpi=punctuality_pct] circle.point").count() == 2  # W47, W48
    assert page.locator(".run-chart a").count() == 0  # managers: aggregates only, no names
    screenshot(page, "kpi-1-manager")
    assert page.request.get(f"{server}/nokkeltall/besok?team_id=1&week=2026-W48").status == 403

    page.click("text=Logg ut")
    _login(page, server, "koord")
    page.goto(f"{server}/nokkeltall?week=2026-W48&weeks=4")
    page.locator(".run-chart[data-kpi=punctuality_pct] a").last.click()
    expect(page.locator("h1")).to_contain_text("uke 2026-W48")
    expect(page.locator("#kpi-visits tbody tr")).to_have_count(5)
    expect(page.locator("#kpi-visits")).to_contain_text("R3")
    screenshot(page, "kpi-2-visits")
