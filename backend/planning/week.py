"""A team's week at a glance: for each of the next seven days and each shift, who works, how many visits
the vedtak ask for, which plan holds (published, or the latest draft), what it left out, and the
half-hours where the agreed windows ask for more carers than are on shift."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlmodel import Session, col, select

from backend.common.enums import PlanStatus, ShiftKind
from backend.common.localtime import weekday_name
from backend.decisions.expansion import visits_for
from backend.planning.gather import shift_carers
from backend.planning.load import peak_load
from backend.planning.models import Plan
from backend.planning.translate import shift_of
from backend.teams.models import Team

WEEK_SHIFTS = (ShiftKind.day, ShiftKind.evening)


class ShiftOfDay(BaseModel):
    date: dt.date
    weekday: str
    shift_kind: ShiftKind
    carers_on_shift: int
    carers_absent: int
    visits: int
    plan_id: int | None
    plan_status: PlanStatus | None
    revision: int
    unassigned: int | None
    overloaded_slots: list[str]


def _holding_plan(session: Session, team: Team, day: dt.date, shift_kind: ShiftKind) -> Plan | None:
    """The published plan, else the newest draft."""
    plans = list(
        session.exec(
            select(Plan)
            .where(Plan.team_id == team.id, Plan.date == day, Plan.shift_kind == shift_kind)
            .where(col(Plan.status) != PlanStatus.superseded)
            .order_by(col(Plan.id).desc())
        )
    )
    return next((p for p in plans if p.status == PlanStatus.published), plans[0] if plans else None)


def team_week(session: Session, *, team: Team, start: dt.date, days: int = 7) -> list[ShiftOfDay]:
    """Why: a coordinator sees on Monday where Thursday's evening will not go up, before laying its lists."""
    result = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        visits = visits_for(session, day=day, team_id=team.id or 0)
        for shift_kind in WEEK_SHIFTS:
            carers, issues = shift_carers(session, day=day, shift_kind=shift_kind, team=team)
            plan = _holding_plan(session, team, day, shift_kind)
            slots = peak_load(session, day=day, shift_kind=shift_kind, team=team, plan=plan)
            result.append(
                ShiftOfDay(
                    date=day,
                    weekday=weekday_name(day),
                    shift_kind=shift_kind,
                    carers_on_shift=len(carers),
                    carers_absent=sum(1 for i in issues if i.kind == "absent"),
                    visits=sum(1 for v in visits if shift_of(v) == shift_kind),
                    plan_id=plan.id if plan else None,
                    plan_status=plan.status if plan else None,
                    revision=plan.revision if plan else 0,
                    unassigned=len(plan.unassigned) if plan else None,
                    overloaded_slots=[s.label for s in slots if s.overloaded],
                )
            )
    return result
