"""A coordinator's hand edit, once published, reaches the carer's tablet like a re-plan: the banner asks the
carer to take in the new list. Server and browser share a set clock (09:30 on a Monday), never the wall
clock, so there are visits still to come to edit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.common.localtime import local_instant
from backend.decisions.models import DecisionLink
from backend.demo import DEMO_PASSWORD
from tests.browser.support import demo_server, launch, screenshot

NOW = local_instant(dt.date(2026, 11, 23), dt.time(9, 30))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    with demo_server(tmp_path_factory.mktemp("pwa-edit"), planned=True, now=NOW) as (url, engine, _):
        yield url, engine


@pytest.fixture
def context() -> Iterator[BrowserContext]:
    with sync_playwright() as p:
        browser = launch(p)
        ctx = browser.new_context(viewport={"width": 768, "height": 1024}, locale="nb-NO")
        ctx.clock.set_fixed_time(NOW)
        yield ctx
        ctx.close()
        browser.close()


def _token(page: Page, url: str, username: str) -> dict[str, str]:
    form = {"username": username, "password": DEMO_PASSWORD}
    token = page.request.post(f"{url}/api/v1/auth/token", form=form).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _editable(engine: Engine, page: Page, url: str) -> tuple[str, dict[str, Any]]:
    """A demo carer with a visit still to come that has no link and no second carer."""
    with Session(engine) as session:
        links = session.exec(select(DecisionLink)).all()
    tied = {link.from_visit_id for link in links} | {link.to_visit_id for link in links}
    for username in ("pleier1", "pleier2"):
        day = page.request.get(f"{url}/api/v1/my/day", headers=_token(page, url, username)).json()
        for route in day["routes"]:
            for stop in route["stops"]:
                later = dt.datetime.fromisoformat(stop["planned_start"]) > NOW + dt.timedelta(minutes=5)
                if later and not stop["double_staffed"] and stop["decision_visit_id"] not in tied:
                    return username, {**stop, "plan_id": route["plan_id"]}
    raise AssertionError("no demo carer has a visit to edit after 09:30")


def test_a_published_hand_edit_shows_the_banner_on_the_tablet(
    server: tuple[str, Engine], context: BrowserContext
) -> None:
    url, engine = server
    page = context.new_page()
    username, stop = _editable(engine, page, url)
    page.goto(f"{url}/app/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("article.stop:visible").first).to_be_visible(timeout=30_000)
    revision = page.evaluate("window.HRApp.state.day.revision")

    coordinator = _token(page, url, "koordinator")
    edited = page.request.post(
        f"{url}/api/v1/plans/{stop['plan_id']}/edits",
        headers=coordinator,
        data={"action": "remove", "stop_id": stop["id"]},
    )
    assert edited.status == 201, edited.text()
    draft = edited.json()
    assert draft["source"] == "edited"
    published = page.request.post(f"{url}/api/v1/plans/{draft['id']}/publish", headers=coordinator)
    assert published.status == 200, published.text()

    page.evaluate("window.HRApp.poll()")
    expect(page.locator("#banner")).to_be_visible()
    screenshot(page, "pwa-7-edit-published")
    page.click("#banner-action")
    expect(page.locator("#banner")).to_be_hidden()
    page.wait_for_function(f"() => window.HRApp.state.day.revision !== {revision!r}")
    visits = page.evaluate(
        "window.HRApp.state.day.routes.flatMap(r => r.stops.map(s => s.decision_visit_id))"
    )
    assert stop["decision_visit_id"] not in visits  # taken out of this carer's list
