"""`hjemmerute simulate`: one published day replayed through the API on the simulated clock, then measured."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend.admin.service import create_user
from backend.app import create_app
from backend.auth.models import User, UserCreate
from backend.auth.service import issue_token
from backend.common.enums import PlanStatus, Role
from backend.common.localtime import local_instant
from backend.common.types import server_clock
from backend.db import make_engine
from backend.errors import InvalidInput
from backend.kpis.service import early_tolerance_of
from backend.notices.dispatch import InlineNoticeSender
from backend.planning.models import Plan, Route
from backend.settings import Settings
from backend.simulation.draws import Draws
from backend.simulation.measure import Figures, measure
from backend.simulation.replay import Api, DayLog, DayReplay, Options, SimClock
from backend.simulation.travel import RoadTimes
from backend.teams.models import Team

SIMULATOR = "simulering"


@dataclass(frozen=True)
class DayResult:
    log: DayLog
    figures: Figures


def _user(session: Session, username: str, role: Role, *, carer_id: int | None, teams: list[int]) -> User:
    """The simulator's logins: one coordinator for every team, one per carer (an existing carer login is
    used as it is)."""
    existing = session.exec(
        select(User).where(User.carer_id == carer_id if carer_id else User.username == username)
    ).first()
    if existing is not None:
        return existing
    return create_user(
        session,
        data=UserCreate(
            username=username,
            full_name=f"Simulering {username}",
            password=secrets.token_urlsafe(24),
            role=role,
            team_ids=teams,
            carer_id=carer_id,
        ),
    )


def _tokens(session: Session, day: dt.date) -> tuple[str, dict[int, str]]:
    teams = [t.id or 0 for t in session.exec(select(Team).order_by(col(Team.id)))]
    carers = sorted(
        set(
            session.exec(
                select(Route.carer_id)
                .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
                .where(Plan.date == day, Plan.status == PlanStatus.published)
            ).all()
        )
    )
    if not carers:
        raise InvalidInput(
            f"Ingen publiserte kjørelister {day.isoformat()}: lag og publiser dagens planer først.",
            field="date",
        )
    coordinator = _user(session, SIMULATOR, Role.coordinator, carer_id=None, teams=teams)
    token, _ = issue_token(session, user=coordinator, ttl_hours=48)
    return token, {c: carer_token(session, c) for c in carers}


def carer_token(session: Session, carer_id: int) -> str:
    """The simulator's login as one carer (a stand-in called in during the day gets one then)."""
    user = _user(session, f"{SIMULATOR}-{carer_id}", Role.carer, carer_id=carer_id, teams=[])
    return issue_token(session, user=user, ttl_hours=48)[0]


def simulate_day(settings: Settings, options: Options, engine: Engine | None = None) -> DayResult:
    """Replay the published day `options.day` through the API and measure it (see backend.simulation)."""
    run_settings = settings.model_copy(update={"notices_enabled": options.notices})
    clock = SimClock(local_instant(options.day, dt.time(6, 0)))
    engine = engine or make_engine(run_settings)
    app = create_app(run_settings, notice_sender=lambda e: InlineNoticeSender(e, run_settings))
    with server_clock(clock.read), Session(engine) as session:
        coordinator, carers = _tokens(session, options.day)
        tolerance = early_tolerance_of(session)
        travel = RoadTimes(session, run_settings)
        with TestClient(app) as client:
            replay = DayReplay(
                Api(client, coordinator, carers, lambda carer_id: carer_token(session, carer_id)),
                Options(**{**options.__dict__, "early_tolerance": tolerance}),
                Draws(seed=options.seed * 10_000 + options.day.toordinal(), sick_rate=options.sick_rate),
                travel,
                clock,
            )
            log = replay.run(app.state.notice_sender.tick)
        session.expire_all()
        figures = measure(session, start=options.day, end=options.day)
    return DayResult(log, figures)
