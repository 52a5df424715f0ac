"""The coordinator's day in a real browser (Debian's chromium through Playwright): log in, lag kjørelister,
read the timeline, map and unassigned visits, report a carer sick, re-plan, review the difference, publish.
Screenshots of each step are kept under test-artifacts/ (HJEMMERUTE_ARTIFACTS)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend.admin.service import create_user
from backend.auth.models import UserCreate
from backend.common.enums import PlanStatus, Role
from backend.common.localtime import local_instant
from backend.decisions.models import DecisionLink
from backend.demo import DEMO_PASSWORD
from backend.planning.models import Plan, Stop
from tests.browser.support import demo_server, screenshot


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    nine_thirty = local_instant(dt.date(2026, 11, 23), dt.time(9, 30))  # a Monday morning, not the wall clock
    with demo_server(tmp_path_factory.mktemp("browser"), planned=False, now=nine_thirty) as (url, engine, _):
        yield url, engine


@pytest.fixture
def server(served: tuple[str, Engine]) -> str:
    return served[0]


def _shot(page: Page, name: str) -> None:
    screenshot(page, f"console-{name}")


def test_coordinator_plans_replans_and_publishes(server: str, page: Page) -> None:
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "koordinator")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.click("text=Åpne koordinatorkonsollet")
    expect(page.locator("h1")).to_have_text("Kjørelister")
    _shot(page, "1-start")

    page.click("text=Lag kjørelister")
    expect(page.locator("#plan-list tbody tr")).to_have_count(2, timeout=90_000)
    _shot(page, "2-plans")
    page.locator("#plan-list a", has_text="Åpne").first.click()

    expect(page.locator("#plan-status")).to_have_text("utkast")
    rows = page.locator(".tl-row[data-carer-id]")
    assert rows.count() >= 3
    assert page.locator(".tl-track .bar.visit").count() >= 5
    assert page.locator(".tl-track .bar.window").count() >= 5
    assert page.locator(".tl-track .bar.travel").count() >= 1
    expect(page.locator("#unassigned h2")).to_have_text("Ikke planlagte besøk")
    on_time = re.fullmatch(r"(\d+) av (\d+) · høyst mulig: (\d+)", page.locator("#on-time dd").inner_text())
    assert on_time is not None
    placed, visits, best = map(int, on_time.groups())
    assert placed <= best <= visits  # the plan never claims more than the bound allows
    for i in range(rows.count()):  # a carer without visits is explained
        if rows.nth(i).get_attribute("data-visits") == "0":
            expect(rows.nth(i).locator(".idle-note")).to_contain_text("Ingen besøk")
    expect(page.locator("#load .slot")).to_have_count(18)  # 06-15, the day shift's hours
    expect(page.locator("#load .load-axis span").first).to_have_text("0")  # the chart has a carers axis
    page.locator("#map").scroll_into_view_if_needed()
    map_frame = page.frame_locator("#map iframe")
    expect(map_frame.locator(".leaflet-container")).to_be_visible(timeout=30_000)
    expect(map_frame.locator(".leaflet-interactive").first).to_be_attached()
    _shot(page, "3-plan")

    page.click("#publish")
    expect(page.locator("#plan-status")).to_have_text("publisert")

    busiest = max(range(rows.count()), key=lambda i: int(rows.nth(i).get_attribute("data-visits") or 0))
    sick_name = rows.nth(busiest).locator(".tl-name a").inner_text()
    page.select_option("select[name=absent_carer_id]", label=sick_name)
    expect(page.locator("#from-help")).to_contain_text("klokka er 09:30")  # «Fra kl.» left empty: from now
    page.click("#replan-form button[type=submit]")
    expect(page.locator("#diff")).to_be_visible(timeout=60_000)
    expect(page.locator("#diff")).to_contain_text("Endringer mot forrige plan")
    expect(page.locator("#diff table")).to_contain_text(re.compile("flyttet|ikke planlagt"))
    expect(page.locator("#issues")).to_contain_text(sick_name)
    _shot(page, "4-replanned")

    page.click("#publish")
    expect(page.locator("#plan-status")).to_have_text("publisert")
    page.locator("p", has_text="Omplanlagt fra").locator("a").click()
    expect(page.locator("#plan-status")).to_have_text("erstattet")

    page.go_back()
    with page.context.expect_page() as printed:
        page.locator(".tl-name a").first.click()
    sheet = printed.value
    expect(sheet.locator("h1")).to_contain_text("Kjøreliste")
    expect(sheet.get_by_text("mandag 23.11.2026")).to_be_visible()  # Norwegian, whatever the server's locale
    assert sheet.locator("tbody tr").count() >= 1
    sheet.emulate_media(media="print")
    expect(sheet.locator("button.noprint")).to_be_hidden()
    screenshot(sheet, "console-5-print")
    with page.context.expect_page() as printed_all:
        page.click("#print-all")
    all_sheets = printed_all.value
    expect(all_sheets.locator("section.sheet")).to_have_count(
        sum(1 for i in range(rows.count()) if rows.nth(i).get_attribute("data-visits") != "0")
    )


def _loose_stop(engine: Engine, offered: list[str]) -> str:
    """Of the visits the form offers, one with no link and no second carer: taking it out breaks no rule."""
    with Session(engine) as session:
        links = session.exec(select(DecisionLink)).all()
        tied = {link.from_visit_id for link in links} | {link.to_visit_id for link in links}
        stops = {
            str(s.id): s
            for s in session.exec(select(Stop).where(col(Stop.id).in_([int(o) for o in offered])))
        }
        double = {
            s.decision_visit_id
            for s in session.exec(
                select(Stop).where(col(Stop.route_id).in_({s.route_id for s in stops.values()}))
            )
            if s.visit_key.endswith(("a", "b"))
        }
        return next(o for o in offered if stops[o].decision_visit_id not in tied | double)


def test_coordinator_edits_a_plan_by_hand(served: tuple[str, Engine], page: Page) -> None:
    """Drag a visit to another carer and read the check's verdict; take a visit out with the keyboard
    form, put it back at one of the offered places, and undo that."""
    url, engine = served
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "koordinator")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{url}/konsoll")
    with page.expect_navigation(timeout=90_000):  # to the plan list, when the lists are made
        page.click("text=Lag kjørelister")
    page.locator("#plan-list a", has_text="Åpne").first.click()
    expect(page.locator("#plan-status")).to_have_text("utkast")
    first_plan = page.url

    rows = page.locator(".tl-row[data-carer-id]")
    source = page.locator(".bar.visit[draggable=true]").first
    target = rows.nth(1 if rows.nth(0).locator(".bar.visit[draggable=true]").count() else 0).locator(
        ".tl-track"
    )
    source.drag_to(target, target_position={"x": 40, "y": 20})
    verdict = page.locator("#action-status", has_text="Ikke endret").or_(
        page.get_by_text("Endret for hånd fra")
    )
    expect(verdict.first).to_be_visible(timeout=30_000)
    _shot(page, "6-dragged")
    page.goto(first_plan)

    offered = page.locator("#edit-form select[name=stop_id] option[value]:not([value=''])")
    values = offered.evaluate_all("options => options.map(o => o.value)")
    page.select_option("#edit-form select[name=stop_id]", value=_loose_stop(engine, values))
    page.click("#edit-form button[value=remove]")
    expect(page.get_by_text("Endret for hånd fra")).to_be_visible(timeout=30_000)
    taken_out = page.url
    row = page.locator("#unassigned tr", has_text="Tatt ut av kjørelisten for hånd")
    row.locator("button.insert").click()
    expect(row.locator(".insert-choice").first).to_be_visible(timeout=30_000)
    _shot(page, "7-insert-options")
    row.locator(".insert-choice").first.click()
    page.wait_for_url(lambda u: u != taken_out, timeout=30_000)
    expect(page.locator("#unassigned")).not_to_contain_text("Tatt ut av kjørelisten for hånd")
    page.click("#undo")
    page.wait_for_url(taken_out, timeout=30_000)
    expect(page.locator("#unassigned")).to_contain_text("Tatt ut av kjørelisten for hånd")

    page.select_option("#edit-form select[name=stop_id]", index=1)
    page.click("#edit-form button[value=pin]")
    expect(page.locator(".bar.visit.pinned")).to_have_count(1, timeout=30_000)
    page.click("#optimise")
    expect(page.get_by_text("Omplanlagt fra")).to_be_visible(timeout=60_000)
    expect(page.locator(".bar.visit.pinned")).to_have_count(1)  # the pin holds in the optimised plan
    _shot(page, "8-optimised")


def _api(url: str, method: str, path: str, token: str, body: object = None) -> Any:
    response = httpx.request(
        method, f"{url}/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    assert response.status_code < 300, response.text
    return response.json()


def _token(url: str, username: str) -> str:
    form = {"username": username, "password": DEMO_PASSWORD}
    return str(httpx.post(f"{url}/api/v1/auth/token", data=form, timeout=30).json()["access_token"])


def test_live_view_shows_a_check_in(served: tuple[str, Engine], page: Page) -> None:
    """A carer checks in at 09:29 (the server's clock says 09:30): the coordinator's published plan shows
    the carer «på besøk», the check-in as a bar beside the plan and a now-line."""
    url, engine = served
    coordinator = _token(url, "koordinator")
    with Session(engine) as session:
        published = session.exec(select(Plan).where(Plan.status == PlanStatus.published)).first()
    if published is None:  # run on its own: make and publish one
        job = _api(url, "POST", "/planning/runs", coordinator, {"date": "2026-11-23", "shift_kind": "day"})
        while job["status"] in ("queued", "running"):
            job = _api(url, "GET", f"/jobs/{job['id']}", coordinator)
        _api(url, "POST", f"/plans/{job['result']['plan_ids'][0]}/publish", coordinator)
        with Session(engine) as session:
            published = session.exec(select(Plan).where(Plan.status == PlanStatus.published)).first()
    assert published is not None
    plan = _api(url, "GET", f"/plans/{published.id}", coordinator)
    route, stop = next(
        (r, s)
        for r in plan["routes"]
        for s in r["stops"]
        if not s["fixed"] and s["planned_start"] > "2026-11-23T08:30"
    )
    with Session(engine) as session:
        create_user(
            session,
            data=UserCreate(
                username="pleier-live",
                full_name="Live",
                password=DEMO_PASSWORD,
                role=Role.carer,
                carer_id=route["carer_id"],
            ),
        )
    event = {
        "event_uuid": str(uuid.uuid4()),
        "stop_id": stop["id"],
        "kind": "check_in",
        "device_time": local_instant(dt.date(2026, 11, 23), dt.time(9, 29)).isoformat(),
    }
    _api(url, "POST", "/visit-events", _token(url, "pleier-live"), event)
    later = next((s for s in route["stops"] if s["planned_start"] > stop["planned_start"]), None)
    if later is not None:  # «Ikke hjemme» at the next door: the coordinator is alerted at once
        not_home = {**event, "event_uuid": str(uuid.uuid4()), "stop_id": later["id"], "kind": "cancel"}
        _api(url, "POST", "/visit-events", _token(url, "pleier-live"), {**not_home, "reason": "not_home"})

    page.goto(f"{url}/login")
    page.fill("input[name=username]", "koordinator")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{url}/konsoll/planer/{published.id}")
    row = page.locator(f"#live-rows tr[data-carer-id='{route['carer_id']}']")
    expect(row.locator(".live-state")).to_have_text("på besøk", timeout=30_000)
    expect(page.locator(f".tl-row[data-carer-id='{route['carer_id']}'] .bar.actual")).to_have_count(1)
    expect(page.locator(".tl-row[data-carer-id] .now-line").first).to_be_attached()
    if later is not None:
        expect(page.locator("#live-alerts li")).to_have_count(1)
        expect(page.locator("#live-alerts")).to_contain_text("Ikke hjemme:")
    _shot(page, "9-live")


def test_week_view_lays_the_missing_lists(served: tuple[str, Engine], page: Page) -> None:
    """The team's week from Monday: each day and shift in Norwegian; «Lag kjørelister for dager uten plan»
    makes a draft for every shift without one."""
    url, _ = served
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "koordinator")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{url}/konsoll")
    page.click("header a.nav >> text=Uke")
    rows = page.locator("#week-table tbody tr")
    expect(rows).to_have_count(14)
    expect(rows.first.locator("td").first).to_have_text("mandag 23.11")
    with page.expect_navigation(timeout=240_000):
        page.click("#plan-week")
    expect(page.locator("#week-table tbody tr .plan-cell a")).to_have_count(14)
    _shot(page, "10-week")
