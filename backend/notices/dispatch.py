"""Runs the sender: in-process (a thread woken by each new notice and by a clock tick) with SQLite, or as
procrastinate tasks on PostgreSQL (deferred with a queueing lock, so a burst of notices queues one run;
a periodic task does the tick). Both run `run_once`."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend.common.enums import PlanStatus
from backend.common.localtime import local_date_of, local_midnight
from backend.common.types import utcnow
from backend.notices.detect import evaluate_route
from backend.notices.gateways import gateway_from_settings
from backend.notices.gateways.base import Gateway
from backend.notices.sender import recover, send_due
from backend.planning.models import Plan, Route, Stop
from backend.settings import Settings
from backend.visits.models import VisitEvent

log = logging.getLogger(__name__)
SEND_TASK = "hjemmerute.send_notices"


def tick_routes(session: Session, settings: Settings) -> int:
    """The clock moves on: re-check today's routes that are being followed on a tablet (at least one visit
    event); a route nobody reports on gives no evidence of lateness and is left alone."""
    now = utcnow()
    today = local_date_of(now)
    followed = set(
        session.exec(
            select(Route.carer_id)
            .join(Stop, Stop.route_id == Route.id)  # type: ignore[arg-type]
            .join(VisitEvent, VisitEvent.stop_id == Stop.id)  # type: ignore[arg-type]
            .where(col(VisitEvent.device_time) >= local_midnight(today))
        ).all()
    )
    checked = 0
    for route, plan in session.exec(
        select(Route, Plan)
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .where(Plan.date == today, Plan.status == PlanStatus.published, col(Route.carer_id).in_(followed))
    ).all():
        evaluate_route(session, route=route, plan=plan, now=now, source="eta", settings=settings)
        checked += 1
    session.commit()
    return checked


def run_once(engine: Engine, gateway: Gateway, settings: Settings, *, tick: bool = False) -> int:
    with Session(engine) as session:
        recover(session)
        if tick:
            tick_routes(session, settings)
        return send_due(session, gateway)


_GATEWAYS: dict[int, Gateway] = {}


def gateway_for(settings: Settings) -> Gateway:
    """One gateway (HTTP client, rate limiter) per process and settings."""
    if id(settings) not in _GATEWAYS:
        _GATEWAYS[id(settings)] = gateway_from_settings(settings)
    return _GATEWAYS[id(settings)]


class NoticeSender(Protocol):
    def kick(self) -> None: ...
    def close(self) -> None: ...


class InProcessNoticeSender:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self.gateway = gateway_for(settings)
        self.wake = threading.Event()
        self.stopping = False
        self.busy = threading.Lock()
        self.thread = threading.Thread(target=self._loop, name="notice-sender", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopping:
            woken = self.wake.wait(self.settings.notice_tick_seconds)
            self.wake.clear()
            if self.stopping:
                break
            try:
                with self.busy:
                    run_once(self.engine, self.gateway, self.settings, tick=not woken)
            except Exception:  # the sender must survive one bad round; the rows stay for the next
                log.exception("notice sender round failed")

    def kick(self) -> None:
        self.wake.set()

    def drain(self) -> None:
        """Send everything due now, in the caller's thread (tests, CLI)."""
        with self.busy:
            run_once(self.engine, self.gateway, self.settings)

    def close(self) -> None:
        self.stopping = True
        self.wake.set()
        self.thread.join(timeout=5)


class InlineNoticeSender:
    """Sends in the caller's thread as soon as a notice is written (the day simulator: every send happens
    at the simulated minute it was caused, on the server's clock)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.gateway, self.settings = engine, gateway_for(settings), settings

    def kick(self) -> None:
        run_once(self.engine, self.gateway, self.settings)

    def tick(self) -> int:
        """The clock tick the background sender does every notice_tick_seconds: ETAs checked, retries sent."""
        return run_once(self.engine, self.gateway, self.settings, tick=True)

    def close(self) -> None:
        return None


class ProcrastinateNoticeSender:
    def __init__(self, opened_app: Callable[[], Any]) -> None:
        self.opened_app = opened_app  # the runner's deferring app, open for the process's life

    def kick(self) -> None:
        import procrastinate.exceptions

        # a run already waiting (AlreadyEnqueued) will see this notice too
        with contextlib.suppress(procrastinate.exceptions.AlreadyEnqueued):
            self.opened_app().tasks[SEND_TASK].configure(queueing_lock="send_notices").defer()

    def close(self) -> None:
        return None


def make_notice_sender(settings: Settings, engine: Engine, runner: object) -> NoticeSender:
    """Procrastinate tasks when jobs run on procrastinate (PostgreSQL), else the in-process thread."""
    opened_app = getattr(runner, "deferring_app", None)
    if opened_app is not None and getattr(runner, "backend_name", "") == "procrastinate":
        return ProcrastinateNoticeSender(opened_app)
    return InProcessNoticeSender(engine, settings)
