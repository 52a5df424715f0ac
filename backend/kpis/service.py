"""KPI tables and series per team and ISO week, built on kpis.definitions (the only implementation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from pydantic import BaseModel
from sqlmodel import Session, col, select

from backend.audit.service import log_recipient_reads
from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.kpis.definitions import (
    Kpis,
    control_limits,
)
from backend.kpis.records import load_records
from backend.kpis.weekly import early_tolerance_minutes, week_kpis
from backend.recipients.models import Recipient
from backend.teams.models import Team

SERIES_FIELDS = (
    "punctuality_pct",
    "punctuality_morning_pct",
    "punctuality_day_pct",
    "punctuality_evening_pct",
    "lateness_mean_min",
    "lateness_p90_min",
    "missed_visits",
    "not_done_visits",
    "notice_coverage_pct",
    "face_to_face_pct",
    "travel_pct",
    "waiting_pct",
    "distinct_carers_7d",
    "distinct_carers_14d",
    "distinct_carers_28d",
    "start_spread_p50_min",
    "start_spread_p90_min",
    "primary_contact_pct",
    "delivered_vs_allocated_pct",
    "minutes_diff_mean",
)


class TeamWeekKpis(Kpis):
    team_id: int
    team_name: str
    week: str


class RunChart(BaseModel):
    kpi: str
    mean: float | None
    lower: float | None
    upper: float | None
    outside: list[str]  # weeks outside the control limits


class TeamSeries(BaseModel):
    team_id: int
    team_name: str
    weeks: list[TeamWeekKpis]
    charts: list[RunChart]


class VisitRow(BaseModel):
    """Drill-down (coordinators only): one visit of the week with what the KPIs saw."""

    date: dt.date
    recipient_id: int
    recipient_name: str
    carer_name: str
    window_start: dt.datetime
    window_end: dt.datetime
    check_in: dt.datetime | None
    check_out: dt.datetime | None
    lateness_min: float
    planned_min: float
    actual_min: float | None
    noticed: bool
    cancelled: bool


def _aware(naive_utc: dt.datetime) -> dt.datetime:
    return naive_utc.replace(tzinfo=dt.UTC)


def week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def early_tolerance_of(session: Session) -> dt.timedelta:
    return dt.timedelta(minutes=early_tolerance_minutes(session))


def _row(team: Team, monday: dt.date, kpis: Kpis) -> TeamWeekKpis:
    return TeamWeekKpis(
        team_id=team.id or 0, team_name=team.name, week=week_label(monday), **kpis.model_dump()
    )


def weekly_table(session: Session, *, monday: dt.date, team_ids: Collection[int]) -> list[TeamWeekKpis]:
    """Every team's KPIs for one week, from the stored weekly aggregates (kpis.weekly)."""
    teams = list(session.exec(select(Team).where(col(Team.id).in_(list(team_ids))).order_by(col(Team.name))))
    weeks = week_kpis(session, team_ids=[t.id or 0 for t in teams], mondays=[monday])
    return [_row(t, monday, weeks[(t.id or 0, monday)]) for t in teams]


def team_series(session: Session, *, team: Team, last_monday: dt.date, weeks: int) -> TeamSeries:
    """A team's weekly KPIs over `weeks` weeks ending with `last_monday`'s week, with run-chart limits."""
    mondays = [last_monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    stored = week_kpis(session, team_ids=[team.id or 0], mondays=mondays)
    rows = [_row(team, monday, stored[(team.id or 0, monday)]) for monday in mondays]
    charts = []
    for field in SERIES_FIELDS:
        values = [getattr(r, field) for r in rows]
        mean, lower, upper = control_limits(values)
        if field.endswith("_pct") and lower is not None and upper is not None:
            lower, upper = max(0.0, lower), min(100.0, upper)  # a share cannot leave 0-100 %
        elif lower is not None and field != "minutes_diff_mean":
            lower = max(0.0, lower)  # lateness, counts and carers are never negative
        outside = [
            r.week
            for r, v in zip(rows, values, strict=True)
            if v is not None and lower is not None and upper is not None and not lower <= v <= upper
        ]
        charts.append(RunChart(kpi=field, mean=mean, lower=lower, upper=upper, outside=outside))
    return TeamSeries(team_id=team.id or 0, team_name=team.name, weeks=rows, charts=charts)


def week_visits(session: Session, *, team_id: int, monday: dt.date) -> list[VisitRow]:
    """The visits behind a week's figures, with names (for coordinators of the team only)."""
    visits, _ = load_records(session, team_ids=[team_id], start=monday, end=monday + dt.timedelta(days=6))
    names = {
        r.id: r.name
        for r in session.exec(
            select(Recipient).where(col(Recipient.id).in_({v.recipient_id for v in visits}))
        )
    }
    carers = {
        c.id: c.name
        for c in session.exec(select(Carer).where(col(Carer.id).in_({v.carer_id for v in visits})))
    }
    return [
        VisitRow(
            date=v.date,
            recipient_id=v.recipient_id,
            recipient_name=names.get(v.recipient_id, ""),
            carer_name=carers.get(v.carer_id, ""),
            window_start=_aware(v.window_start),
            window_end=_aware(v.window_end),
            check_in=_aware(v.check_in) if v.check_in else None,
            check_out=_aware(v.check_out) if v.check_out else None,
            lateness_min=round(v.lateness_minutes, 1),
            planned_min=round(v.planned_minutes, 1),
            actual_min=None if v.actual_minutes is None else round(v.actual_minutes, 1),
            noticed=v.notice_accepted_at is not None and v.notice_accepted_at <= v.window_end,
            cancelled=v.cancelled,
        )
        for v in sorted(visits, key=lambda v: (v.date, v.window_start))
    ]


def logged_week_visits(
    session: Session, *, principal: Principal, team_id: int, monday: dt.date, path: str
) -> list[VisitRow]:
    """The drill-down with names, each recipient read written to the access log (API and dashboard)."""
    rows = week_visits(session, team_id=team_id, monday=monday)
    log_recipient_reads(
        session,
        principal=principal,
        recipient_ids=[r.recipient_id for r in rows],
        action="read kpi visits",
        path=path,
    )
    session.commit()
    return rows
