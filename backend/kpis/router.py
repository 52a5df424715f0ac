"""KPI API: the same figures as the dashboard. Managers and coordinators see aggregates of their teams;
the visits behind a figure (with names) are for the team's coordinators only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request, Response

from backend.auth.deps import CoordinatorDep, ManagerDep
from backend.auth.service import Principal
from backend.common.crud import get_or_404
from backend.db import SessionDep
from backend.errors import Forbidden, InvalidInput
from backend.kpis.export import to_csv, to_pdf
from backend.kpis.service import (
    TeamSeries,
    TeamWeekKpis,
    VisitRow,
    logged_week_visits,
    team_series,
    weekly_table,
)
from backend.municipality.models import MunicipalitySettings
from backend.stats.service import parse_iso_week
from backend.teams.models import Team

router = APIRouter(prefix="/kpis", tags=["nøkkeltall"])


def _week() -> Any:
    return Query(..., max_length=10, description="ISO week, e.g. 2026-W48")


def monday_of(week: str) -> dt.date:
    try:
        monday = parse_iso_week(week)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="week") from exc
    if not 2000 <= monday.year <= 2100:
        raise InvalidInput("Uken må ligge mellom 2000 og 2100.", field="week")
    return monday


def own_team(session: SessionDep, principal: Principal, team_id: int) -> Team:
    team = get_or_404(session, Team, team_id, "Team")
    if team_id not in principal.team_ids:
        raise Forbidden("Teamet er ikke ditt.")
    return team


@router.get("/weekly", response_model=list[TeamWeekKpis], summary="Every KPI per team for one week")
def weekly(session: SessionDep, principal: ManagerDep, week: str = _week()) -> list[TeamWeekKpis]:
    return weekly_table(session, monday=monday_of(week), team_ids=principal.team_ids)


@router.get("/series", response_model=TeamSeries, summary="A team's weekly KPIs with run-chart limits")
def series(
    session: SessionDep,
    principal: ManagerDep,
    team_id: int = Query(..., ge=1, le=2**31 - 1),
    until: str = _week(),
    weeks: int = Query(12, ge=2, le=104),
) -> TeamSeries:
    return team_series(
        session, team=own_team(session, principal, team_id), last_monday=monday_of(until), weeks=weeks
    )


@router.get("/visits", response_model=list[VisitRow], summary="The visits behind a week's figures")
def visits(
    request: Request,
    session: SessionDep,
    principal: CoordinatorDep,
    team_id: int = Query(..., ge=1, le=2**31 - 1),
    week: str = _week(),
) -> list[VisitRow]:
    own_team(session, principal, team_id)
    return logged_week_visits(
        session, principal=principal, team_id=team_id, monday=monday_of(week), path=request.url.path
    )


@router.get("/weekly.csv", summary="The weekly table as CSV", response_class=Response)
def weekly_csv(session: SessionDep, principal: ManagerDep, week: str = _week()) -> Response:
    rows = weekly_table(session, monday=monday_of(week), team_ids=principal.team_ids)
    return Response(
        to_csv(rows).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="nokkeltall-{week}.csv"'},
    )


@router.get("/report.pdf", summary="The weekly report for the audit committee (PDF)", response_class=Response)
def weekly_pdf(session: SessionDep, principal: ManagerDep, week: str = _week()) -> Response:
    rows = weekly_table(session, monday=monday_of(week), team_ids=principal.team_ids)
    place = session.get(MunicipalitySettings, 1)
    pdf = to_pdf(rows, municipality=place.name if place else "", week=week)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="nokkeltall-{week}.pdf"'},
    )
