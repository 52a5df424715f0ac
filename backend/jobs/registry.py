"""The job functions. Each takes a Session and JSON-able keyword arguments and returns a JSON-able dict.

The same functions run under both runners (in-process on SQLite, procrastinate on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from backend.common.crud import get_or_404
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
