"""The carer's tablet app in Debian's chromium (Playwright): log in, follow today's published route, check
in and out, lose coverage, keep working, tap "Forsinket", come back online — the server holds each event and
the notice request exactly once. The app shell loads offline, the manifest and service worker make it
installable, the coordinator's republish shows as a banner, and logout wipes what the tablet kept.
Screenshots at tablet and phone size go to test-artifacts/."""

from __future__ import annotations

import json
import struct
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.demo import DEMO_PASSWORD
from backend.notices.models import DelayReport
from backend.visits.models import VisitEvent
from tests.browser.support import demo_server, screenshot
from tests.pwa.support import PHONE, busy_carer, outbox_size, wait_sent

ETA_CASES = json.loads((Path(__file__).resolve().parents[1] / "data" / "eta_cases.json").read_text())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    with demo_server(tmp_path_factory.mktemp("pwa"), planned=True) as (url, engine, _):
        yield url, engine


def _login(page: Page, url: str) -> None:
    page.goto(f"{url}/app/")
    page.fill("input[name=username]", busy_carer(url, page))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("article.stop:visible").first).to_be_visible(timeout=30_000)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _events(engine: Engine) -> Counter[tuple[int, str]]:
    with Session(engine) as session:
        return Counter(
            (e.reported_stop_id or e.stop_id, e.kind.value) for e in session.exec(select(VisitEvent))
        )


def test_carer_works_through_a_coverage_gap(server: tuple[str, Engine], context: BrowserContext) -> None:
    url, engine = server
    page = context.new_page()
    _login(page, url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    screenshot(page, "pwa-1-route-tablet")
    first, second = page.locator("article.stop").nth(0), page.locator("article.stop").nth(1)
    first_id, second_id = (
        int(first.get_attribute("data-stop-id") or 0),
        int(second.get_attribute("data-stop-id") or 0),
    )
    assert first.locator(".name").inner_text() and first.locator(".address").inner_text()

    first.get_by_role("button", name="Start besøk").click()
    expect(page.locator(f"article[data-stop-id='{first_id}']")).to_have_attribute("data-state", "in_progress")
    wait_sent(page)
    page.locator(f"article[data-stop-id='{first_id}']").get_by_role("button", name="Ferdig").click()
    expect(page.locator(f"article[data-stop-id='{first_id}']")).to_have_attribute("data-state", "done")
    wait_sent(page)
    page.locator(f"article[data-stop-id='{second_id}']").get_by_role("button", name="Start besøk").click()
    expect(page.locator(f"article[data-stop-id='{second_id}']")).to_have_attribute(
        "data-state", "in_progress"
    )
    wait_sent(page)

    context.set_offline(True)
    expect(page.locator("#net")).to_have_class("net offline")
    page.locator(f"article[data-stop-id='{second_id}']").get_by_role("button", name="Ferdig").click()
    expect(page.locator(f"article[data-stop-id='{second_id}']")).to_have_attribute("data-state", "done")
    page.click("#delay")
    expect(page.locator("#delay-dialog")).to_be_visible()
    assert page.locator("#delay-table tr").count() >= 1  # the visits left, with new expected times
    screenshot(page, "pwa-2-delay-offline")
    page.click("#delay-send")
    assert outbox_size(page) == 2
    expect(page.locator(f"article[data-stop-id='{second_id}'] .badge.pending")).to_be_visible()

    page.reload()  # the app shell and the day come from the service worker's caches
    expect(page.locator("article.stop:visible").first).to_be_visible(timeout=15_000)
    assert outbox_size(page) == 2
    expect(page.locator(f"article[data-stop-id='{second_id}']")).to_have_attribute("data-state", "done")
    screenshot(page, "pwa-3-offline-reload")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_sent(page)
    events = _events(engine)
    assert events[(first_id, "check_in")] == events[(first_id, "check_out")] == 1
    assert events[(second_id, "check_in")] == events[(second_id, "check_out")] == 1
    assert sum(events.values()) == 4
    with Session(engine) as session:
        assert len(session.exec(select(DelayReport)).all()) == 1
    page.evaluate("window.HRApp.flush()")  # sending again sends nothing more
    assert sum(_events(engine).values()) == 4

    page.set_viewport_size(PHONE)
    screenshot(page, "pwa-4-route-phone")
    page.select_option("#lang", "nn")
    expect(page.locator("#delay")).to_have_text("Meld forseinking")
    page.select_option("#lang", "nb")

    page.click("#toggle-map")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    expect(page.locator("#map path.leaflet-interactive").first).to_be_attached(timeout=15_000)
    screenshot(page, "pwa-5-map-phone")

    page.click("#logout")
    expect(page.locator("#login-view")).to_be_visible()
    assert page.evaluate("caches.keys().then(keys => keys.length)") == 0
    assert "hjemmerute" not in page.evaluate("indexedDB.databases().then(dbs => dbs.map(d => d.name))")


def test_installable_and_same_eta_rule_as_the_server(
    server: tuple[str, Engine], context: BrowserContext
) -> None:
    url, _ = server
    page = context.new_page()
    page.goto(f"{url}/app/")
    manifest: dict[str, Any] = page.request.get(f"{url}/app/manifest.webmanifest").json()
    assert manifest["name"] and manifest["short_name"] and manifest["start_url"] == "/app/"
    assert manifest["display"] == "standalone" and manifest["theme_color"].startswith("#")
    sizes = {icon["sizes"]: icon["src"] for icon in manifest["icons"]}
    for size in ("192x192", "512x512"):
        width, height = _png_size(page.request.get(url + sizes[size]).body())
        assert f"{width}x{height}" == size
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/app/sw.js")
    assert page.locator("link[rel=manifest]").get_attribute("href") == "/app/manifest.webmanifest"
    got = page.evaluate(
        """cases => cases.map(c => HREta.expectedStarts(c.stops, Date.parse(c.now), c.break_start, c.break_minutes)
            .map(e => ({stop_id: e.stop_id, expected_start: e.expected_start === null ? null
              : new Date(e.expected_start).toISOString().replace('.000Z', 'Z'),
              lateness_minutes: e.lateness_minutes, state: e.state})))""",
        ETA_CASES,
    )
    assert got == [case["expected"] for case in ETA_CASES]


def test_republished_plan_shows_a_banner(server: tuple[str, Engine], context: BrowserContext) -> None:
    url, _ = server
    page = context.new_page()
    _login(page, url)
    token = page.request.post(
        f"{url}/api/v1/auth/token", form={"username": "koordinator", "password": DEMO_PASSWORD}
    ).json()["access_token"]
    coordinator = {"Authorization": f"Bearer {token}"}
    day = page.evaluate("window.HRApp.state.day")
    plan_id = day["routes"][0]["plan_id"]
    job = page.request.post(
        f"{url}/api/v1/plans/{plan_id}/replan",
        headers=coordinator,
        data={},  # from now: never the past
    )
    assert job.status == 202, job.text()
    job_id = job.json()["id"]
    for _ in range(120):
        status = page.request.get(f"{url}/api/v1/jobs/{job_id}", headers=coordinator).json()
        if status["status"] in ("done", "failed"):
            break
        page.wait_for_timeout(500)
    assert status["status"] == "done", status
    new_plan = status["result"]["plan_id"]
    assert page.request.post(f"{url}/api/v1/plans/{new_plan}/publish", headers=coordinator).status == 200
    page.evaluate("window.HRApp.poll()")
    expect(page.locator("#banner")).to_be_visible()
    screenshot(page, "pwa-6-republished")
    page.click("#banner-action")
    expect(page.locator("#banner")).to_be_hidden()
    page.wait_for_function(f"() => window.HRApp.state.day.revision !== {json.dumps(day['revision'])}")
    assert new_plan in page.evaluate("window.HRApp.state.day.routes.map(r => r.plan_id)")
