"""The administrator's pages in Debian's chromium, by keyboard only: every control labelled, a weak password
refused beside its field, a coordinator login made for a team, found by search, its password reset; the
access log filtered; a coordinator gets no admin page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from backend.admin.service import create_user
from backend.auth.models import UserCreate
from backend.common.enums import Role
from backend.teams.models import Team
from tests.browser.support import (
    accessibility_problems,
    screenshot,
    seeded_server,
)

PASSWORD = "forvalter-passord-9"
STRONG = "et-sterkt-passord-42"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seeded_server(tmp_path_factory.mktemp("admin"), _seed) as url:
        yield url


def _seed(session: Session) -> None:
    session.add(Team(name="Team nord", base_address="Base", base_lat=59.9, base_lon=10.7))
    session.commit()
    create_user(
        session, data=UserCreate(username="admin", full_name="Admin", password=PASSWORD, role=Role.admin)
    )


def login(page: Page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")


def test_admin_creates_a_coordinator_by_keyboard(server: str, page: Page) -> None:
    login(page, server, "admin", PASSWORD)
    page.get_by_role("link", name="Åpne administrasjonen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administrasjon")
    page.get_by_role("link", name="Innlogginger", exact=True).first.click()
    unlabelled = page.evaluate(
        "() => [...document.querySelectorAll('input:not([type=hidden]), select')]"
        ".filter(el => el.labels.length === 0).map(el => el.name)"
    )
    assert unlabelled == [], unlabelled
    assert accessibility_problems(page) == []
    page.focus("#username")
    page.keyboard.type("ola.nord")
    page.keyboard.press("Tab")
    page.keyboard.type("Ola Nord")
    page.get_by_label("Rolle").select_option("coordinator")
    page.get_by_label("Team nord").check()
    page.focus("#password")
    page.keyboard.type("kort")
    page.keyboard.press("Tab")
    page.keyboard.type("kort")
    page.keyboard.press("Enter")
    expect(page.locator("#password-error")).to_contain_text("minst 10 tegn")
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#username")).to_have_value("ola.nord")  # what was typed stays
    page.get_by_label("Team nord").check()
    page.fill("#password", STRONG)
    page.fill("#password_again", STRONG)
    page.get_by_role("button", name="Opprett innlogging").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("«ola.nord» er opprettet")
    page.fill("#q", "nord")
    page.keyboard.press("Enter")
    row = page.locator("#logins tbody tr", has_text="ola.nord")
    expect(row).to_contain_text("Team nord")
    screenshot(page, "admin-1-logins")
    row.get_by_role("link").click()
    page.fill("#password", STRONG + "-ny")
    page.fill("#password_again", STRONG + "-ny")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status")).to_contain_text("lagret")
    page.get_by_role("link", name="Tilgangslogg").click()
    page.fill("#fra", "2026-01-01")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#access-log")).to_be_visible()
    expect(page.locator("#csv")).to_have_attribute(
        "href", "/admin/tilgangslogg.csv?bruker=&mottaker=&fra=2026-01-01&til="
    )
    page.get_by_role("link", name="Endringslogg").click()
    expect(page.locator("#admin-actions")).to_contain_text("ola.nord")

    page.get_by_role("button", name="Logg ut admin").click()
    login(page, server, "ola.nord", STRONG + "-ny")
    answer = page.goto(f"{server}/admin/innlogginger")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingen tilgang")
    expect(page.locator("body")).not_to_contain_text("ola.nord")
