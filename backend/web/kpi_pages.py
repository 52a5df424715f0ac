"""Nøkkeltall: the managers' and coordinators' dashboard (per team and week, run charts with control
limits, CSV and PDF export) and, for coordinators, the visits behind a point."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import col, select

from backend.common.enums import Role
from backend.common.localtime import local_clock, local_date_of
from backend.common.types import utcnow
from backend.db import SessionDep
from backend.errors import Forbidden
from backend.kpis.router import monday_of, own_team
from backend.kpis.service import (
    RunChart,
    TeamWeekKpis,
    logged_week_visits,
    team_series,
    week_label,
    weekly_table,
)
from backend.teams.models import Team
from backend.web.router import TEMPLATES, principal_or_none

router = APIRouter(prefix="/nokkeltall", include_in_schema=False)

LABELS = {
    "punctuality_pct": ("Punktlighet", "% innsjekk i avtalt vindu"),
    "punctuality_morning_pct": ("Punktlighet morgen", "% for vinduer som starter 06-11"),
    "punctuality_day_pct": ("Punktlighet dag", "% for vinduer som starter 11-15"),
    "punctuality_evening_pct": ("Punktlighet kveld", "% for vinduer som starter 15-23"),
    "lateness_mean_min": ("Forsinkelse", "snitt minutter for sene besøk"),
    "lateness_p90_min": ("Forsinkelse p90", "minutter, 90-persentil for sene besøk"),
    "missed_visits": ("Uteblitte besøk", "planlagt, aldri sjekket inn, ikke meldt ikke utført"),
    "not_done_visits": ("Ikke utført", "meldt av pleieren med årsak"),
    "not_home_visits": ("Ikke hjemme", "av de ikke utførte"),
    "notice_coverage_pct": ("Varslet", "% for sene besøk med SMS før vinduet var over"),
    "face_to_face_pct": ("Ansikt til ansikt", "% av betalt vakttid hos bruker"),
    "travel_pct": ("Reisetid", "% av betalt vakttid (planlagt)"),
    "waiting_pct": ("Ventetid", "% av betalt vakttid (planlagt)"),
    "distinct_carers_7d": ("Kontinuitet 7 d", "ulike pleiere per bruker"),
    "distinct_carers_14d": ("Kontinuitet 14 d", "ulike pleiere per bruker"),
    "distinct_carers_28d": ("Kontinuitet 28 d", "ulike pleiere per bruker"),
    "start_spread_p50_min": ("Samme tid", "minutter et besøk avviker fra sin vanlige tid (median)"),
    "start_spread_p90_min": ("Samme tid p90", "minutter et besøk avviker fra sin vanlige tid, 90-persentil"),
    "primary_contact_pct": ("Primærkontakt", "% besøk av primærkontakten"),
    "delivered_vs_allocated_pct": ("Levert av vedtak", "% faktiske minutter av vedtaksminutter"),
    "minutes_diff_mean": ("Faktisk − planlagt", "snitt minutter per besøk"),
}
WIDTH, HEIGHT, PAD = 520, 150, 28


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    week: str
    value: float
    outside: bool


@dataclass(frozen=True)
class Chart:
    kpi: str
    title: str
    unit: str
    points: list[ChartPoint]
    mean_y: float | None
    lower_y: float | None
    upper_y: float | None
    chart: RunChart


def _chart(rows: list[TeamWeekKpis], chart: RunChart) -> Chart:
    values = [getattr(r, chart.kpi) for r in rows]
    known = [v for v in values if v is not None] + [x for x in (chart.lower, chart.upper) if x is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 1, high + 1

    def y(value: float) -> float:
        return round(HEIGHT - PAD / 2 - (value - low) / (high - low) * (HEIGHT - PAD), 1)

    step = (WIDTH - 2 * PAD) / max(1, len(rows) - 1)
    points = [
        ChartPoint(round(PAD + i * step, 1), y(v), r.week, v, r.week in chart.outside)
        for i, (r, v) in enumerate(zip(rows, values, strict=True))
        if v is not None
    ]
    title, unit = LABELS[chart.kpi]
    return Chart(
        chart.kpi,
        title,
        unit,
        points,
        None if chart.mean is None else y(chart.mean),
        None if chart.lower is None else y(chart.lower),
        None if chart.upper is None else y(chart.upper),
        chart,
    )


def _reader(request: Request, session: SessionDep) -> object:
    principal = principal_or_none(request, session)
    if principal is not None and principal.role not in (Role.manager, Role.coordinator):
        raise Forbidden("Nøkkeltall er for ledere og koordinatorer.")
    return principal


@router.get("", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    week: str | None = Query(None, max_length=10),
    team_id: int | None = Query(None, ge=1, le=2**31 - 1),
    weeks: int = Query(12, ge=2, le=104),
) -> Response:
    principal = principal_or_none(request, session)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    _reader(request, session)
    monday = (
        monday_of(week)
        if week
        else local_date_of(utcnow()) - dt.timedelta(days=local_date_of(utcnow()).weekday())
    )
    teams = list(
        session.exec(select(Team).where(col(Team.id).in_(principal.team_ids)).order_by(col(Team.name)))
    )
    table = weekly_table(session, monday=monday, team_ids=principal.team_ids)
    chosen = next((t for t in teams if t.id == team_id), teams[0] if teams else None)
    series = team_series(session, team=chosen, last_monday=monday, weeks=weeks) if chosen else None
    return TEMPLATES.TemplateResponse(
        request,
        "kpis.html",
        {
            "principal": principal,
            "week": week_label(monday),
            "teams": teams,
            "team": chosen,
            "weeks": weeks,
            "table": table,
            "charts": [_chart(series.weeks, c) for c in series.charts] if series else [],
            "size": {"w": WIDTH, "h": HEIGHT, "pad": PAD},
            "drill": principal.role == Role.coordinator,
        },
    )


@router.get("/besok", response_class=HTMLResponse)
def visits_page(
    request: Request,
    session: SessionDep,
    team_id: int = Query(..., ge=1, le=2**31 - 1),
    week: str = Query(..., max_length=10),
) -> Response:
    principal = principal_or_none(request, session)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role != Role.coordinator:
        raise Forbidden("Besøkene bak tallene (med navn) er bare for teamets koordinatorer.")
    team = own_team(session, principal, team_id)
    rows = logged_week_visits(
        session, principal=principal, team_id=team_id, monday=monday_of(week), path=request.url.path
    )
    return TEMPLATES.TemplateResponse(
        request,
        "kpi_visits.html",
        {"principal": principal, "team": team, "week": week, "rows": rows, "clock": local_clock},
    )
