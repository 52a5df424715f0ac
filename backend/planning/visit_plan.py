"""The recipient's weekly besøksplan: the published visits of an ISO week, day by day, at the time expected
(what the audit's recipients asked for: «Jeg vet aldri når de kommer»). Printed from the console and, with
consent, sent by SMS on Sunday evening (times only: never what is done)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from backend.carers.models import Carer
from backend.common.enums import PlanStatus
from backend.common.localtime import OSLO
from backend.planning.models import Plan, Route, Stop

ROUND_MINUTES = 5


@dataclass(frozen=True)
class PlannedVisit:
    date: dt.date
    expected: dt.time  # the planned start, rounded to five minutes
    window_start: dt.time
    window_end: dt.time
    carers: tuple[str, ...]  # first names, when the municipality shows them; else empty
    stop_id: int


def _rounded(instant: dt.datetime) -> dt.time:
    local = instant.astimezone(OSLO)
    minutes = round((local.hour * 60 + local.minute + local.second / 60) / ROUND_MINUTES) * ROUND_MINUTES
    minutes = min(minutes, 24 * 60 - ROUND_MINUTES)
    return dt.time(minutes // 60, minutes % 60)


def visit_plan(
    session: Session, *, recipient_id: int, monday: dt.date, carer_names: bool
) -> list[PlannedVisit]:
    """The week's published visits in time order; a double-staffed visit once (with both first names)."""
    rows = session.exec(
        select(Stop, col(Route.carer_id), col(Plan.date))
        .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .where(
            Stop.recipient_id == recipient_id,
            Plan.status == PlanStatus.published,
            col(Plan.date).between(monday, monday + dt.timedelta(days=6)),
        )
        .order_by(col(Stop.planned_start))
    ).all()
    names = {
        c.id: c.name.split()[0]
        for c in session.exec(select(Carer).where(col(Carer.id).in_({carer for _, carer, _ in rows})))
        if c.name.split()
    }
    visits: dict[tuple[dt.date, int], tuple[Stop, list[str]]] = {}
    for stop, carer_id, date in rows:
        key = (date, stop.decision_visit_id if stop.decision_visit_id is not None else -(stop.id or 0))
        entry = visits.setdefault(key, (stop, []))
        if carer_names and carer_id in names:
            entry[1].append(names[carer_id])
    return [
        PlannedVisit(
            date,
            _rounded(stop.planned_start),
            stop.window_start.astimezone(OSLO).time(),
            stop.window_end.astimezone(OSLO).time(),
            tuple(first_names),
            stop.id or 0,
        )
        for (date, _), (stop, first_names) in visits.items()
    ]
