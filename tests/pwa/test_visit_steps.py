"""The carer's next step is obvious (Debian's chromium, tablet and phone): the visit to do now is highlighted
and on screen without scrolling, a second start asks first, the last tap can be undone for two minutes,
«Ikke utført» → «Ikke hjemme» works offline and reaches the coordinator's live view exactly once, and
«Veibeskrivelse» points at the recipient's coordinates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Dialog, Locator, Page, expect, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.demo import DEMO_PASSWORD
from backend.visits.models import VisitEvent
from tests.browser.support import demo_server, launch, screenshot
from tests.pwa.support import PHONE, TABLET, busy_carer, outbox_size, wait_sent


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    with demo_server(tmp_path_factory.mktemp("pwa-steps"), planned=True) as (url, engine, _):
        yield url, engine


def _login(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/app/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("article.stop.next")).to_be_visible(timeout=30_000)


def _next_visit(page: Page) -> tuple[Locator, dict[str, Any]]:
    """The card marked «Neste» and the app's record of that visit (coordinates, plan)."""
    card = page.locator("article.stop.next")
    stop_id = int(card.get_attribute("data-stop-id") or 0)
    stop = page.evaluate(f"window.HRApp.state.day.routes.flatMap(r => r.stops).find(s => s.id === {stop_id})")
    return card, stop


def _in_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    return box is not None and box["y"] >= 0 and box["y"] + 60 <= height


def _events(engine: Engine, stop_id: int) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(
            select(VisitEvent).where(VisitEvent.stop_id == stop_id).order_by(VisitEvent.id)
        ).all()
        return [e.kind.value for e in rows]


def test_next_visit_first_a_second_start_asks_and_undo_restores(
    server: tuple[str, Engine], context: BrowserContext
) -> None:
    url, engine = server
    page = context.new_page()
    username = busy_carer(url, page)
    _login(page, url, username)
    assert _in_viewport(page, "article.stop.next")
    screenshot(page, "pwa-steps-1-next-tablet")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("article.stop.next")).to_be_visible(timeout=15_000)
    assert _in_viewport(page, "article.stop.next")
    screenshot(page, "pwa-steps-2-next-phone")
    page.set_viewport_size(TABLET)

    first = page.locator("article.stop.next")
    first_id = int(first.get_attribute("data-stop-id") or 0)
    name = first.locator(".name").inner_text()
    first.get_by_role("button", name=f"Start besøk hos {name}").click()
    current = page.locator(f"article[data-stop-id='{first_id}']")
    expect(current).to_have_attribute("data-state", "in_progress")
    expect(current).to_have_class("card stop in_progress next")
    wait_sent(page)

    asked: list[str] = []

    def answer_no(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer_no)
    other = page.locator("article.stop[data-state='planned']").first
    other_id = int(other.get_attribute("data-stop-id") or 0)
    other.get_by_role("button", name="Start besøk").click()
    expect(page.locator(f"article[data-stop-id='{other_id}']")).to_have_attribute("data-state", "planned")
    assert asked and "pågår" in asked[0]

    current.get_by_role("button", name="Angre").click()
    expect(current).to_have_attribute("data-state", "planned")
    wait_sent(page)
    assert _events(engine, first_id) == ["check_in", "undo"]  # corrected, never deleted
    token = page.evaluate("localStorage.getItem('hjemmerute.token')")
    day = page.request.get(f"{url}/api/v1/my/day", headers={"Authorization": f"Bearer {token}"}).json()
    assert next(s for r in day["routes"] for s in r["stops"] if s["id"] == first_id)["status"] == "planned"


def test_not_home_offline_reaches_the_coordinator_once_and_directions_point_at_the_door(
    server: tuple[str, Engine], context: BrowserContext
) -> None:
    url, engine = server
    page = context.new_page()
    _login(page, url, busy_carer(url, page))
    card, stop = _next_visit(page)
    stop_id = stop["id"]
    before = _events(engine, stop_id)  # the first test's check-in and its undo, if it used this visit
    href = card.get_by_role("link", name="Veibeskrivelse").get_attribute("href") or ""
    assert href.startswith(f"geo:{stop['lat']},{stop['lon']}")

    context.set_offline(True)
    card.get_by_role("button", name="Ikke utført").click()
    expect(page.locator("#not-done-dialog")).to_be_visible()
    page.get_by_label("Annet").check()
    page.click("#not-done-send")
    expect(page.locator("#not-done-error")).to_be_visible()  # «Annet» needs a note
    page.get_by_label("Ikke hjemme").check()
    page.fill("#not-done-form textarea", "ringte på, ingen svar")
    screenshot(page, "pwa-steps-3-not-home")
    page.click("#not-done-send")
    expect(page.locator(f"article[data-stop-id='{stop_id}']")).to_have_attribute("data-state", "cancelled")
    assert outbox_size(page) == 1

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_sent(page)
    page.evaluate("window.HRApp.flush()")  # sending again sends nothing more
    assert _events(engine, stop_id) == [*before, "cancel"]
    coordinator = page.request.post(
        f"{url}/api/v1/auth/token", form={"username": "koordinator", "password": DEMO_PASSWORD}
    ).json()["access_token"]
    plan_id = (
        stop["plan_id"]
        if "plan_id" in stop
        else page.evaluate(
            f"window.HRApp.state.day.routes.find(r => r.stops.some(s => s.id === {stop_id})).plan_id"
        )
    )
    live = page.request.get(
        f"{url}/api/v1/plans/{plan_id}/live", headers={"Authorization": f"Bearer {coordinator}"}
    ).json()
    alerts = [a for a in live["alerts"] if a["stop_id"] == stop_id]
    assert len(alerts) == 1 and alerts[0]["note"] == "ringte på, ingen svar"


def test_the_web_login_opens_the_app_without_asking_again(
    server: tuple[str, Engine], context: BrowserContext
) -> None:
    url, _ = server
    page = context.new_page()
    username = busy_carer(url, page)
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("link", name="Åpne kjørelisten").click()
    expect(page.locator("article.stop.next")).to_be_visible(timeout=30_000)
    expect(page.locator("#login-view")).to_be_hidden()
    page.click("#logout")  # the app's logout ends the web session as well
    expect(page.locator("#login-view")).to_be_visible()
    page.goto(f"{url}/")
    expect(page).to_have_url(f"{url}/login")


def test_the_delay_dialog_says_per_visit_what_will_happen(
    server: tuple[str, Engine], context: BrowserContext
) -> None:
    """Before the tap each visit says what it will get (SMS, already told at 10:14, no consent, quiet hours,
    not late enough) — offline, that the server decides; after the tap, what happened, per kind."""
    url, _ = server
    page = context.new_page()
    _login(page, url, busy_carer(url, page))
    page.click("#delay")
    rows = page.locator("#delay-table tr")
    expect(rows.first.locator(".what")).not_to_be_empty()
    known = ("Får SMS", "Varslet kl.", "Har ikke samtykket", "Stille tid", "Ikke forsinket nok")
    texts = [rows.nth(i).locator(".what").inner_text() for i in range(rows.count())]
    assert texts and all(text.startswith(known) for text in texts), texts
    screenshot(page, "pwa-steps-4-delay-preview")
    page.click("#delay-send")
    expect(page.locator("#messages .msg").first).to_contain_text(":")
    answer = page.locator("#messages .msg").first.inner_text()
    assert "Ingen av besøkene" not in answer or "Allerede" not in answer

    context.set_offline(True)
    page.click("#delay")
    expect(rows.first.locator(".what")).to_have_text("Avgjøres når nettet er tilbake")
    page.click("#delay-cancel")
    context.set_offline(False)


def test_on_an_ipad_directions_open_apple_maps(server: tuple[str, Engine]) -> None:
    url, _ = server
    ipad = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15"
    with sync_playwright() as p:
        browser = launch(p)
        ctx = browser.new_context(viewport=TABLET, locale="nb-NO", user_agent=ipad, has_touch=True)
        page = ctx.new_page()
        _login(page, url, busy_carer(url, page))
        card, stop = _next_visit(page)
        href = card.get_by_role("link", name="Veibeskrivelse").get_attribute("href")
        assert href == f"https://maps.apple.com/?daddr={stop['lat']},{stop['lon']}&dirflg=d"
        ctx.close()
        browser.close()
