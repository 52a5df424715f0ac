from __future__ import annotations

from fastapi import APIRouter, Query

from backend.auth.deps import ManagerDep
from backend.db import SessionDep
from backend.errors import InvalidInput
from backend.stats.service import TeamWeekStats, parse_iso_week, team_week_stats

router = APIRouter(prefix="/stats", tags=["nøkkeltall"])


@router.get("/teams", response_model=list[TeamWeekStats], summary="Per-team aggregates for one ISO week")
def teams_week(
    session: SessionDep,
    _: ManagerDep,
    week: str = Query(..., max_length=10, description="ISO week, e.g. 2026-W48"),
) -> list[TeamWeekStats]:
    try:
        monday = parse_iso_week(week)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="week") from exc
    if not 2000 <= monday.year <= 2100:
        raise InvalidInput("Uken må ligge mellom 2000 og 2100.", field="week")
    return team_week_stats(session, monday=monday)
