"""Shared by the browser tests: the app on a real uvicorn server with the demo municipality, and Debian's
chromium driven by Playwright (never a downloaded browser). Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from backend.app import create_app
from backend.common.localtime import local_date_of
from backend.common.types import server_clock, utcnow
from backend.db import make_engine
from backend.demo import load_demo, plan_demo_day
from backend.planning.networks import import_demo_networks, network_for
from backend.settings import Settings
from tests.local_server import serving

CHROMIUM = Path(os.environ.get("HJEMMERUTE_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(
    os.environ.get("HJEMMERUTE_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_chromium() -> None:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing (CI installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")


@contextmanager
def demo_server(
    base: Path, *, planned: bool, now: dt.datetime | None = None
) -> Iterator[tuple[str, Engine, Settings]]:
    """The demo municipality on SQLite behind uvicorn; with `planned`, today's lists are made and published
    as `make demo` does. `now`: the server's clock stands still there (today is its date)."""
    with ExitStack() as stack:
        if now is not None:
            stack.enter_context(server_clock(lambda: now))
        yield stack.enter_context(_demo_server(base, planned=planned))


@contextmanager
def _demo_server(base: Path, *, planned: bool) -> Iterator[tuple[str, Engine, Settings]]:
    require_chromium()
    networks = base / "networks"
    import_demo_networks(networks)
    settings = Settings(
        database_url=f"sqlite:///{base / 'browser.db'}",
        job_backend="inprocess",
        network_dir=networks,
        plan_seconds_per_team=2,
        replan_seconds=1.5,
        plan_workers=1,
        sms_outbox_file=base / "sms-outbox.jsonl",
    )
    engine = make_engine(settings)
    SQLModel.metadata.create_all(engine)
    today = local_date_of(utcnow())
    app = create_app(settings)
    with Session(engine) as session:
        load_demo(session, today=today, network=network_for(settings, "walk"))
    if planned:
        with Session(engine) as session:
            plan_demo_day(session, settings=settings, today=today)
    with live_server(app) as url:
        yield url, engine, settings


@contextmanager
def seeded_server(base: Path, seed: Callable[[Session], object], *, roads: bool = False) -> Iterator[str]:
    """The app on a fresh SQLite database in `base`, filled by `seed`, served on 127.0.0.1; with `roads`, the
    demo's OSM road networks (Helsinki centre) imported."""
    require_chromium()
    if roads:
        import_demo_networks(base / "networks")
    settings = Settings(
        database_url=f"sqlite:///{base / 'pages.db'}",
        job_backend="inprocess",
        sms_outbox_file=base / "sms.jsonl",
        network_dir=base / "networks",
    )
    engine = make_engine(settings)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session)
    with live_server(create_app(settings)) as url:
        yield url


def live_server(app: object) -> AbstractContextManager[str]:
    """The app behind uvicorn on a free 127.0.0.1 port, for as long as the block runs."""
    return serving(app)


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
    )


def screenshot(page: Page, name: str, *, accessible: bool = True) -> None:
    """A picture of the page for the artifacts, and (for the coordinator, manager and admin pages) the
    accessibility check of what it shows: every screenshot point is also an accessibility point."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if accessible:
        assert accessibility_problems(page) == [], name


A11Y_CHECK = """() => {
  const problems = [];
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll('button, input:not([type=hidden]):not([type=checkbox]), select, a.button-link')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height < 44) problems.push(`touch target ${el.tagName} ${el.name || el.textContent.trim()} ${Math.round(box.height)} px`);
  }
  for (const el of document.querySelectorAll('body *')) {
    if (!el.childNodes.length || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || el.getBoundingClientRect().width === 0) continue;
    if (el.closest('.visually-hidden')) continue;
    const fg = rgb(style.color), bg = background(el);
    const [a, b] = [lum(fg) + 0.05, lum(bg) + 0.05];
    const ratio = Math.max(a, b) / Math.min(a, b);
    if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} «${el.textContent.trim().slice(0, 30)}»`);
  }
  let level = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4')) {
    const next = Number(h.tagName[1]);
    if (next > level + 1) problems.push(`heading ${h.tagName} after h${level}: «${h.textContent.trim().slice(0, 30)}»`);
    level = next;
  }
  return problems;
}"""


def accessibility_problems(page: Page) -> list[str]:
    """Touch targets under 44 px, text under 4.5:1 contrast against its background, skipped heading levels."""
    problems: list[str] = page.evaluate(A11Y_CHECK)
    return problems
