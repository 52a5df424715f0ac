"""The coordinator's data pages in Debian's chromium: a new recipient with a lunch → dinner vedtak seen in the
two-week preview, a carer's qualifications, a shift and an absence in the rota week, a bad staff file
listed line by line on the import page; every control labelled; the manager gets no data page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from backend.admin.service import create_user
from backend.auth.models import UserCreate
from backend.carers.models import Carer
from backend.common.enums import Role
from backend.common.localtime import local_instant
from backend.common.types import server_clock
from backend.teams.models import Team
from tests.browser.support import (
    accessibility_problems,
    screenshot,
    seeded_server,
)

PASSWORD = "et-langt-testpassord-7"
NOW = local_instant(dt.date(2026, 11, 23), dt.time(6, 0))  # the server's clock: a Monday morning
UNLABELLED = (
    "() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
    ".filter(el => el.labels.length === 0).map(el => el.name)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with (
        server_clock(lambda: NOW),
        seeded_server(tmp_path_factory.mktemp("data-pages"), _seed, roads=True) as url,
    ):
        yield url


def _seed(session: Session) -> None:
    team = Team(name="Team sør", base_address="Base", base_lat=60.17, base_lon=24.94)
    session.add(team)
    session.commit()
    session.add(
        Carer(name="Siri Dahl", external_id="S1", team_id=team.id or 0, competences=["helsefagarbeider"])
    )
    session.commit()
    create_user(
        session,
        data=UserCreate(
            username="koord",
            full_name="Koord",
            password=PASSWORD,
            role=Role.coordinator,
            team_ids=[team.id or 0],
        ),
    )
    create_user(
        session,
        data=UserCreate(
            username="leder",
            full_name="Leder",
            password=PASSWORD,
            role=Role.manager,
            team_ids=[team.id or 0],
        ),
    )


def login(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")


def move_the_entrance_pin(page: Page) -> None:
    """The pin's map draws the roads; dragging the pin 60 px east moves the longitude, and it is saved."""
    page.wait_for_selector("#entrance-map[data-ready='1']")
    assert page.locator("#entrance-map .leaflet-overlay-pane path").count() >= 1  # the OSM roads
    page.locator("#entrance-map").scroll_into_view_if_needed()
    pin = page.locator("#entrance-map .leaflet-marker-icon").bounding_box()
    assert pin is not None
    x, y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y, steps=5)
    page.mouse.move(x + 60, y, steps=5)
    page.mouse.up()
    moved = float(page.get_by_label("Lengdegrad (inngangen)").input_value())
    assert 24.9381 < moved < 24.9400, moved  # at zoom 17 a pixel is about 1.2 m
    page.get_by_role("button", name="Lagre endringene").click()
    expect(page.get_by_role("status")).to_contain_text("lagret")
    assert float(page.get_by_label("Lengdegrad (inngangen)").input_value()) == moved


def test_coordinator_keeps_the_data_behind_the_plan(server: str, page: Page) -> None:
    login(page, server, "koord")
    page.goto(f"{server}/konsoll/brukere")
    page.get_by_role("link", name="Ny bruker").click()
    assert page.evaluate(UNLABELLED) == []
    page.get_by_label("Brukernummer (journal)").fill("R-1")
    page.get_by_label("Navn", exact=True).fill("Eli Nord")
    page.get_by_label("Adresse").fill("Storgata 1")
    page.get_by_role("button", name="Lagre bruker").click()
    expect(page.locator("#address-error")).to_contain_text("Fant ikke adressen")  # no Matrikkel data here
    page.get_by_label("Breddegrad (inngangen)").fill("59.91")  # Oslo: not on this municipality's map
    page.get_by_label("Lengdegrad (inngangen)").fill("10.75")
    page.get_by_role("button", name="Lagre bruker").click()
    expect(page.locator("#lat-error")).to_contain_text("utenfor kommunens kart")
    page.get_by_label("Breddegrad (inngangen)").fill("60.1705")
    page.get_by_label("Lengdegrad (inngangen)").fill("24.9380")
    page.get_by_role("button", name="Lagre bruker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eli Nord")
    move_the_entrance_pin(page)
    assert page.evaluate(UNLABELLED) == []
    assert accessibility_problems(page) == []
    page.get_by_label("Gjelder fra").fill("2026-11-24")
    page.fill("#visit0_label", "lunsj")
    page.fill("#visit0_start", "11:30")
    page.fill("#visit0_end", "12:30")
    page.fill("#visit0_tasks", "måltid:20")
    page.fill("#visit1_label", "middag")
    page.fill("#visit1_start", "15:30")
    page.fill("#visit1_end", "17:00")
    page.fill("#visit1_tasks", "måltid:25")
    page.fill("#link0_from", "lunsj")
    page.fill("#link0_to", "middag")
    page.fill("#link0_min", "180")
    page.get_by_role("button", name="Lagre vedtaket").click()
    expect(page.get_by_role("status")).to_contain_text("lagret")
    expect(page.locator("#preview")).to_contain_text("lunsj 11:30–12:30")
    expect(page.locator("#preview")).to_contain_text("middag 15:30–17:00")
    screenshot(page, "data-1-recipient")

    page.get_by_role("link", name="Pleiere").click()
    page.get_by_role("link", name="Siri Dahl").click()
    page.get_by_label("Delegert legemiddelhåndtering").check()
    page.get_by_role("button", name="Lagre endringene").click()
    expect(page.get_by_role("status")).to_contain_text("lagret")

    page.get_by_role("link", name="Turnus").click()
    assert page.evaluate(UNLABELLED) == []
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="Legg til vakten").click()
    expect(page.locator("#rota-grid")).to_contain_text("dag 07:30–15:00")
    page.get_by_role("button", name="Registrer fraværet").click()
    expect(page.get_by_role("status")).to_contain_text("Fraværet er registrert")
    expect(page.locator("#rota-grid")).to_contain_text("fravær")
    screenshot(page, "data-2-rota")

    page.get_by_role("link", name="Import").click()
    page.set_input_files(
        "#staff-file",
        files=[
            {
                "name": "ansatte.csv",
                "mimeType": "text/csv",
                "buffer": b"employee_id;name;team\nS2;Stein;Team lilla\n",
            }
        ],
    )
    page.get_by_role("button", name="Importer ansatte").click()
    expect(page.locator("#import-errors")).to_contain_text("Team lilla")

    page.get_by_role("button", name="Nynorsk").click()  # the header's language switch, remembered
    page.get_by_role("link", name="Brukarar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brukarar")
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    page.get_by_role("link", name="Eli Nord").click()
    expect(page.get_by_role("button", name="Lagre endringane")).to_be_visible()
    assert accessibility_problems(page) == []
    screenshot(page, "data-3-nynorsk")
    page.get_by_role("button", name="Bokmål").click()
    expect(page.get_by_role("button", name="Lagre endringene")).to_be_visible()

    page.get_by_role("button", name="Logg ut").click()
    login(page, server, "leder")
    for path in ("/konsoll/brukere", "/konsoll/pleiere", "/konsoll/turnus", "/konsoll/import"):
        answer = page.goto(f"{server}{path}")
        assert answer is not None and answer.status == 403, path
        expect(page.locator("body")).not_to_contain_text("Eli Nord")
