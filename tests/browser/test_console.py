"""The coordinator's day in a real browser (Debian's chromium through Playwright): log in, lag kjørelister,
read the timeline, map and unassigned visits, report a carer sick, re-plan, review the difference, publish.
Screenshots of each step are kept under test-artifacts/ (HJEMMERUTE_ARTIFACTS)."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright
from sqlmodel import Session, SQLModel

from backend.app import create_app
from backend.common.localtime import local_date_of
from backend.common.types import utcnow
from backend.db import make_engine
from backend.demo import DEMO_PASSWORD, load_demo
from backend.planning.networks import import_demo_networks
from backend.settings import Settings

CHROMIUM = Path(os.environ.get("HJEMMERUTE_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(
    os.environ.get("HJEMMERUTE_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing (CI installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")
    base = tmp_path_factory.mktemp("browser")
    networks = base / "networks"
    import_demo_networks(networks)
    settings = Settings(
        database_url=f"sqlite:///{base / 'console.db'}",
        job_backend="inprocess",
        network_dir=networks,
        plan_seconds_per_team=2,
        replan_seconds=1.5,
        plan_workers=1,
    )
    engine = make_engine(settings)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        load_demo(session, today=local_date_of(utcnow()))
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if uv.started:
            break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
            ],
        )
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nb-NO")
        yield context.new_page()
        context.close()
        browser.close()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


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
    expect(page.locator("#load .slot")).to_have_count(16)
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
    page.fill("input[name=from_time]", "10:00")
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
    assert sheet.locator("tbody tr").count() >= 1
    sheet.emulate_media(media="print")
    expect(sheet.locator("button.noprint")).to_be_hidden()
    sheet.screenshot(path=str(ARTIFACTS / "console-5-print.png"), full_page=True)
