"""Peak load per 30-minute slot: the work the agreed windows ask for against the carers on shift.

A visit's minutes (plus the travel a visit takes on average) are spread evenly over its agreed window, so a
slot's need is the number of carers that must be busy in it for every visit to be met inside its window.
Slots where the need exceeds the carers on shift are the overload (typically 08-09 and 21-22) that no plan
can absorb without moving agreed times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from backend.common.enums import ShiftKind
from backend.common.localtime import local_clock, local_instant
from backend.common.shifts import SHIFT_HOURS
from backend.decisions.expansion import visits_for
from backend.planning.gather import shift_carers
from backend.planning.models import Plan
from backend.planning.service import routes_of
from backend.planning.translate import shift_of
from backend.teams.models import Team

SLOT = dt.timedelta(minutes=30)
DEFAULT_TRAVEL_MIN = 5.0


@dataclass(frozen=True)
class LoadSlot:
    start: dt.datetime
    label: str
    visits: int
    need_carers: float
    carers_on_shift: int

    @property
    def overloaded(self) -> bool:
        return self.need_carers > self.carers_on_shift


def _overlap(a0: dt.datetime, a1: dt.datetime, b0: dt.datetime, b1: dt.datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def travel_minutes_per_visit(session: Session, plan: Plan | None) -> float:
    stops = [s for _, route_stops in routes_of(session, plan.id or 0) for s in route_stops] if plan else []
    if not stops:
        return DEFAULT_TRAVEL_MIN
    return sum(s.travel_seconds for s in stops) / len(stops) / 60


def peak_load(
    session: Session, *, day: dt.date, shift_kind: ShiftKind, team: Team, plan: Plan | None = None
) -> list[LoadSlot]:
    first, last = SHIFT_HOURS[shift_kind]
    begin = local_instant(day + dt.timedelta(days=first // 24), dt.time(first % 24))
    slots = int((last - first) * 60 / 30)
    visits = [v for v in visits_for(session, day=day, team_id=team.id or 0) if shift_of(v) == shift_kind]
    carers, _ = shift_carers(session, day=day, shift_kind=shift_kind, team=team)
    travel = travel_minutes_per_visit(session, plan)
    result = []
    for index in range(slots):
        a = begin + index * SLOT
        b = a + SLOT
        need_minutes = 0.0
        count = 0
        for visit in visits:
            share = _overlap(a, b, visit.window_start, visit.window_end)
            if share <= 0:
                continue
            staff = 2 if visit.double_staffed else 1
            count += staff
            length = (visit.window_end - visit.window_start).total_seconds()
            need_minutes += staff * (visit.minutes + travel) * share / length
        on_shift = sum(1 for c in carers if _overlap(a, b, c.start, c.end) >= SLOT.total_seconds() / 2)
        result.append(LoadSlot(a, local_clock(a), count, round(need_minutes / 30, 2), on_shift))
    return result
