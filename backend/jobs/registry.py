"""The job functions. Each takes a Session and JSON-able keyword arguments and returns a JSON-able dict.

The same functions run under both runners (in-process on SQLite, procrastinate on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from backend.common.crud import get_or_404
from backend.common.enums import ShiftKind
from backend.decisions.expansion import visits_for
from backend.rota.service import carers_on_shift
from backend.teams.models import Team

JobFunction = Callable[..., dict[str, Any]]
JOBS: dict[str, JobFunction] = {}


def job(name: str) -> Callable[[JobFunction], JobFunction]:
    def register(func: JobFunction) -> JobFunction:
        JOBS[name] = func
        return func

    return register


@job("prepare_day")
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


@job("plan_day")
def plan_day(
    session: Session,
    *,
    date: str,
    shift_kind: str,
    team_ids: list[int],
    created_by: int | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Lag kjørelister: draft plans for every chosen team's shift."""
    from backend.planning.flows import plan_teams

    plans = plan_teams(
        session,
        day=dt.date.fromisoformat(date),
        shift_kind=ShiftKind(shift_kind),
        team_ids=team_ids,
        created_by=created_by,
        progress=progress,
    )
    return {
        "plan_ids": [p.id for p in plans],
        "unassigned": sum(len(p.unassigned) for p in plans),
        "visits": sum(int(str(p.stats.get("visits", 0))) for p in plans),
    }


@job("replan")
def replan_job(
    session: Session, *, plan_id: int, from_time: str, created_by: int | None = None
) -> dict[str, Any]:
    """Planlegg resten av dagen på nytt after a sick call or an urgent visit."""
    from backend.planning.flows import replan

    plan = replan(
        session, plan_id=plan_id, from_time=dt.datetime.fromisoformat(from_time), created_by=created_by
    )
    return {"plan_id": plan.id, "base_plan_id": plan_id, "diff_counts": (plan.diff or {}).get("counts", {})}
