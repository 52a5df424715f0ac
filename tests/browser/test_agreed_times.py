"""«Avtalte tider som ikke går opp» in Debian's chromium: a coordinator of a team whose ten recipients all
want 08:00-09:00 from two carers finds the proposals for next week, accepts one as the recipient agreed on
the phone (the vedtak changes from Monday), sees the staffing advice and prints the letter; every control
labelled, contrast and targets checked on the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from backend.admin.service import create_user
from backend.auth.models import UserCreate
from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.common.enums import Role, ShiftKind
from backend.common.localtime import local_instant
from backend.common.types import server_clock
from backend.decisions.models import DecisionCreate
from backend.decisions.service import create_decision
from backend.recipients.models import Recipient
from backend.rota.models import RotaEntry
from backend.teams.models import Team
from tests.browser.support import accessibility_problems, screenshot, seeded_server

PASSWORD = "et-langt-testpassord-7"
FRIDAY = dt.date(2026, 11, 20)
NOW = local_instant(FRIDAY, dt.time(10, 0))  # the server's clock: the Friday before the week
UNLABELLED = (
    "() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
    ".filter(el => el.labels.length === 0).map(el => el.name)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with (
        server_clock(lambda: NOW),
        seeded_server(tmp_path_factory.mktemp("agreed"), _seed, roads=True) as url,
    ):
        yield url


def _seed(session: Session) -> None:
    team = Team(name="Team sentrum", base_address="Base", base_lat=60.1699, base_lon=24.9384)
    session.add(team)
    session.commit()
    for n in range(2):
        carer = Carer(name=f"Pleier {n}", team_id=team.id or 0, competences=["helsefagarbeider"])
        session.add(carer)
        session.commit()
        for offset in range(3, 8):
            day = FRIDAY + dt.timedelta(days=offset)
            start, end = local_instant(day, dt.time(7, 30)), local_instant(day, dt.time(15, 0))
            session.add(
                RotaEntry(carer_id=carer.id or 0, date=day, shift_kind=ShiftKind.day, start=start, end=end)
            )
    session.commit()
    who = Principal(0, "seed", Role.coordinator, frozenset({team.id or 0}), None)
    for i in range(10):
        recipient = Recipient(
            name=f"Bruker {i}",
            address=f"Gate {i}",
            lat=60.1660 + 0.0010 * (i % 6),
            lon=24.9330 + 0.0018 * (i % 5),
            team_id=team.id or 0,
            phone=f"+479000{i:04d}",
            notice_consent=True,
        )
        session.add(recipient)
        session.commit()
        data = {
            "recipient_id": recipient.id,
            "valid_from": "2026-11-16",
            "weekdays": [1, 2, 3, 4, 5],
            "visits": [
                {
                    "label": "morgen",
                    "window_start": "08:00",
                    "window_end": "09:00",
                    "tasks": [{"name": "stell", "minutes": 25}],
                }
            ],
        }
        create_decision(session, principal=who, data=DecisionCreate.model_validate(data))
    create_user(
        session,
        data=UserCreate(
            username="koord",
            full_name="Kari Koordinator",
            password=PASSWORD,
            role=Role.coordinator,
            team_ids=[team.id or 0],
        ),
    )


def test_a_coordinator_agrees_new_times_for_the_morning_peak(server: str, page: Page) -> None:
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "koord")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/konsoll")
    page.get_by_role("link", name="Avtalte tider").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Avtalte tider som ikke går opp")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026-W48")
    page.get_by_role("button", name="Finn forslag for uken").click()
    expect(page.locator("#run-summary")).to_contain_text("med alle forslagene", timeout=120_000)
    rows = page.locator("#proposals tbody tr[data-status=proposed]")
    expect(rows.first).to_contain_text("morgentoppen 08:00–09:00")
    assert 1 <= rows.count() <= 4
    assert page.evaluate(UNLABELLED) == []
    assert accessibility_problems(page) == []
    screenshot(page, "agreed-1-proposals")
    first = rows.first
    name = first.locator("td").first.inner_text()
    first.locator("summary").click()
    first.get_by_label("Hvordan").select_option("telefon")
    expect(first.get_by_label("Gjelder fra")).to_have_value("2026-11-23")
    first.get_by_role("button", name="Brukeren har sagt ja – lagre").click()
    expect(page.get_by_role("status").first).to_contain_text("Endringen er lagret.")
    accepted = page.locator("#proposals tbody tr[data-status=accepted]")
    expect(accepted).to_have_count(1)
    expect(accepted).to_contain_text("Godtatt fra 23.11.2026")
    expect(accepted).to_contain_text("SMS:")
    accepted.get_by_role("link", name="Brev").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny avtalt tid for besøk fra hjemmetjenesten")
    expect(page.locator("#letter-body")).to_contain_text(
        "Fra mandag 23. november 2026 kommer hjemmetjenesten mellom"
    )
    expect(page.locator("body")).to_contain_text(name)
    screenshot(page, "agreed-2-letter", accessible=False)
