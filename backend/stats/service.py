"""Aggregates per team and week for managers: counts and hours, never names."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from backend.carers.models import Carer
from backend.common.localtime import local_midnight
from backend.decisions.expansion import visits_for
from backend.recipients.models import Recipient
from backend.rota.models import Absence, RotaEntry
from backend.teams.models import Team


class TeamWeekStats(BaseModel):
    team_id: int
    team_name: str
    week: str
    active_recipients: int
    active_carers: int
    planned_visits: int
    allocated_hours: float
    rota_hours: float
    absence_hours: float
    double_staffed_visits: int


def parse_iso_week(week: str) -> dt.date:
    """'2026-W48' → the Monday of that ISO week; ValueError with a clear message otherwise."""
    try:
        year_text, week_text = week.split("-W")
        return dt.date.fromisocalendar(int(year_text), int(week_text), 1)
    except ValueError as exc:
        raise ValueError(f"«{week}» er ikke en ISO-uke på formen 2026-W48") from exc


def team_week_stats(session: Session, *, monday: dt.date) -> list[TeamWeekStats]:
    """Vedtak-allocated hours (from visits_for) against rota hours, per team for one week."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    week_label = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
    week_start, week_end = local_midnight(days[0]), local_midnight(days[-1] + dt.timedelta(days=2))
    result = []
    for team in session.exec(select(Team).order_by(col(Team.name))):
        assert team.id is not None
        visits = [v for day in days for v in visits_for(session, day=day, team_id=team.id)]
        shifts = session.exec(
            select(RotaEntry)
            .join(Carer, Carer.id == RotaEntry.carer_id)  # type: ignore[arg-type]
            .where(Carer.team_id == team.id, col(RotaEntry.date).between(days[0], days[-1]))
        ).all()
        absences = session.exec(
            select(Absence)
            .join(Carer, Carer.id == Absence.carer_id)  # type: ignore[arg-type]
            .where(Carer.team_id == team.id, Absence.start < week_end, Absence.end > week_start)
        ).all()
        absence_seconds = 0.0
        for shift in shifts:
            for absence in absences:
                if absence.carer_id == shift.carer_id:
                    overlap = min(shift.end, absence.end) - max(shift.start, absence.start)
                    absence_seconds += max(overlap.total_seconds(), 0.0)
        recipients = session.exec(
            select(func.count())
            .select_from(Recipient)
            .where(Recipient.team_id == team.id, Recipient.active == True)  # noqa: E712
        ).one()
        carers = session.exec(
            select(func.count()).select_from(Carer).where(Carer.team_id == team.id, Carer.active == True)  # noqa: E712
        ).one()
        result.append(
            TeamWeekStats(
                team_id=team.id,
                team_name=team.name,
                week=week_label,
                active_recipients=int(recipients),
                active_carers=int(carers),
                planned_visits=len(visits),
                allocated_hours=round(
                    sum(v.minutes * (2 if v.double_staffed else 1) for v in visits) / 60, 2
                ),
                rota_hours=round(
                    sum((s.end - s.start).total_seconds() - s.break_minutes * 60 for s in shifts) / 3600, 2
                ),
                absence_hours=round(absence_seconds / 3600, 2),
                double_staffed_visits=sum(1 for v in visits if v.double_staffed),
            )
        )
    return result
