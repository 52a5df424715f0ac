"""The job kinds and background tasks, registered with backend.jobs (composition root, like backend.app).

jobs/ is infrastructure below every domain; the work it runs comes from the domains above it, so they are
wired here: planning a day, re-planning with the visits' progress, and the notice sender's tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import procrastinate
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.agreements.service import make_proposals
from backend.common.crud import get_or_404
from backend.common.enums import ShiftKind
from backend.common.localtime import local_date_of
from backend.common.types import utcnow
from backend.decisions.expansion import visits_for
from backend.jobs.registry import JOBS, TASK_INSTALLERS
from backend.jobs.runner import NOTICE_QUEUE, QUEUE
from backend.kpis.weekly import refresh_marked
from backend.notices.dispatch import SEND_TASK, gateway_for, run_once
from backend.notices.visit_plans import next_monday, queue_visit_plans
from backend.planning.day_help import replan_with_help
from backend.planning.flows import plan_teams
from backend.rota.service import carers_on_shift
from backend.settings import Settings
from backend.teams.models import Team
from backend.visits.status import stops_with_progress


def prepare_day(session: Session, *, date: str, team_id: int) -> dict[str, Any]:
    """The first step of planning a day: the visits to make and the carers available to make them."""
    day = dt.date.fromisoformat(date)
    team = get_or_404(session, Team, team_id, "Team")
    visits = visits_for(session, day=day, team_id=team_id)
    shifts = carers_on_shift(session, day=day, team_id=team_id)
    available = [entry for entry, absences in shifts if not absences]
    partly_absent = [entry for entry, absences in shifts if absences]
    return {
        "team": team.name,
        "date": date,
        "visits": len(visits),
        "visit_minutes": sum(v.minutes * (2 if v.double_staffed else 1) for v in visits),
        "double_staffed": sum(1 for v in visits if v.double_staffed),
        "needs_nurse": sum(1 for v in visits if v.needs_nurse),
        "shifts": len(shifts),
        "carers_available": len(available),
        "carers_absent": len(partly_absent),
        "shift_minutes": int(sum((e.end - e.start).total_seconds() // 60 for e, _ in shifts)),
    }


def plan_day(
    session: Session,
    *,
    date: str,
    shift_kind: str,
    team_ids: list[int],
    settings: Settings,
    created_by: int | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Lag kjørelister: draft plans for every chosen team's shift."""
    plans = plan_teams(
        session,
        day=dt.date.fromisoformat(date),
        shift_kind=ShiftKind(shift_kind),
        team_ids=team_ids,
        created_by=created_by,
        settings=settings,
        progress=progress,
    )
    return {
        "plan_ids": [p.id for p in plans],
        "unassigned": sum(len(p.unassigned) for p in plans),
        "visits": sum(p.plan_stats().visits or 0 for p in plans),
    }


def replan_job(
    session: Session, *, plan_id: int, from_time: str, settings: Settings, created_by: int | None = None
) -> dict[str, Any]:
    """Planlegg resten av dagen på nytt after a sick call or an urgent visit."""
    helped = replan_with_help(
        session,
        plan_id=plan_id,
        from_time=dt.datetime.fromisoformat(from_time),
        created_by=created_by,
        status_of=stops_with_progress,
        settings=settings,
    )
    plan = helped.plan
    return {
        "plan_id": plan.id,
        "base_plan_id": plan_id,
        "diff_counts": diff.counts if (diff := plan.plan_diff()) else {},
        "help_plan_ids": [p.id for p in helped.helpers],
    }


def notice_tasks(app: procrastinate.App, settings: Settings, engine: Engine) -> None:
    """The SMS sender as procrastinate tasks: on demand after each change, and a tick every minute."""

    @app.task(name=SEND_TASK, queue=NOTICE_QUEUE, retry=False, pass_context=False)
    def send_notices() -> None:
        run_once(engine, gateway_for(settings), settings)

    @app.periodic(cron="* * * * *", periodic_id="notice_tick")
    @app.task(name="hjemmerute.notice_tick", queue=NOTICE_QUEUE, retry=False, pass_context=False)
    def notice_tick(timestamp: int) -> None:
        run_once(engine, gateway_for(settings), settings, tick=True)


def kpi_tasks(app: procrastinate.App, settings: Settings, engine: Engine) -> None:
    """Weeks changed by the day's events computed again every five minutes, so the KPI pages read them
    ready (a read computes a marked week itself when the worker has not come to it yet)."""

    @app.periodic(cron="*/5 * * * *", periodic_id="kpi_refresh")
    @app.task(name="hjemmerute.kpi_refresh", queue=QUEUE, retry=False, pass_context=False)
    def kpi_refresh(timestamp: int) -> None:
        with Session(engine) as session:
            refresh_marked(session)


def visit_plan_tasks(app: procrastinate.App, settings: Settings, engine: Engine) -> None:
    """Sunday at 17:00 UTC (18:00 or 19:00 in Oslo, before the quiet hours): next week's besøksplan by SMS to
    the recipients who asked for it."""

    @app.periodic(cron="0 17 * * 0", periodic_id="visit_plans")
    @app.task(name="hjemmerute.visit_plans", queue=NOTICE_QUEUE, retry=False, pass_context=False)
    def visit_plans(timestamp: int) -> None:
        now = utcnow()
        with Session(engine) as session:
            queue_visit_plans(session, monday=next_monday(local_date_of(now)), now=now, settings=settings)
        run_once(engine, gateway_for(settings), settings)


def propose_times(
    session: Session, *, team_id: int, monday: str, settings: Settings, created_by: int | None = None
) -> dict[str, Any]:
    """Avtalte tider som ikke går opp: a trial of the team's week, proposals and staffing advice."""
    run = make_proposals(
        session,
        team_id=team_id,
        monday=dt.date.fromisoformat(monday),
        settings=settings,
        created_by=created_by,
    )
    return {
        "run_id": run.id,
        "within_before": run.within_before,
        "within_after": run.within_after,
        "visits": run.visits,
    }


def register() -> None:
    """Hand the job kinds and the notice tasks to backend.jobs (idempotent; called by create_app and the CLI)."""
    JOBS.update(
        {
            "prepare_day": prepare_day,
            "plan_day": plan_day,
            "replan": replan_job,
            "propose_times": propose_times,
        }
    )
    for installer in (notice_tasks, kpi_tasks, visit_plan_tasks):
        if installer not in TASK_INSTALLERS:
            TASK_INSTALLERS.append(installer)
