"""The coordinator's live view of a published plan: what each carer has done (check-in and check-out beside
the plan), where they are in their list, and the lateness the server's ETA expects for what is left.

The expected times are the tablet's own rule (`backend.visits.eta`, through `route_etas`), so the console
and the carer see the same figure; a visit with a delay notice is marked (through the notices hook).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from backend.carers.models import Carer
from backend.common.enums import NotDoneReason, VisitEventKind, VisitStatus
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import NextOfKin, Recipient
from backend.visits.day import route_etas, visit_ref
from backend.visits.models import VisitEvent
from backend.visits.status import events_by_stop, in_effect, progress_of

CarerState = Literal["not_started", "on_visit", "between_visits", "finished"]
LATE_AFTER_SHIFT_START = dt.timedelta(minutes=15)  # «ikke startet» is flagged this long into the shift


class LiveStop(BaseModel):
    stop_id: int
    recipient_id: int
    planned_start: dt.datetime
    planned_end: dt.datetime
    window_end: dt.datetime
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    expected_start: dt.datetime | None
    lateness_minutes: int
    state: VisitStatus
    noticed: bool
    not_done_reason: NotDoneReason | None = None
    not_done_note: str = ""


class KinContact(BaseModel):
    name: str
    relation: str | None
    phone: str


class NotHomeAlert(BaseModel):
    """«Ikke hjemme»: a safety matter (the person may be lying on the floor). Only the coordinator sees the
    next of kin's phone numbers."""

    stop_id: int
    recipient_id: int
    recipient_name: str
    address: str
    carer_name: str
    reported_at: dt.datetime
    note: str
    next_of_kin: list[KinContact]


class LiveRoute(BaseModel):
    route_id: int
    carer_id: int
    carer_name: str
    state: CarerState
    overdue_start: bool  # the shift began a while ago and nothing is checked in
    expected_lateness_minutes: int  # the worst expected lateness of the visits still to come
    late_visits: int  # visits still to come expected after their agreed window
    stops: list[LiveStop]


class LivePlan(BaseModel):
    plan_id: int
    computed_at: dt.datetime
    routes: list[LiveRoute]
    alerts: list[NotHomeAlert]


def _state(stops: list[LiveStop]) -> CarerState:
    states = [s.state for s in stops]
    if VisitStatus.in_progress in states:
        return "on_visit"
    if all(s in (VisitStatus.done, VisitStatus.cancelled) for s in states):
        return "finished"
    if any(s == VisitStatus.done for s in states):
        return "between_visits"
    return "not_started"


def live_plan(
    session: Session, *, plan: Plan, now: dt.datetime, noticed: Callable[[Session, Collection[int]], set[str]]
) -> LivePlan:
    """Why: a coordinator sees during the day who is running late before the recipients call."""
    routes = list(session.exec(select(Route).where(Route.plan_id == plan.id).order_by(col(Route.id))))
    names = {
        c.id: c.name
        for c in session.exec(select(Carer).where(col(Carer.id).in_([r.carer_id for r in routes])))
    }
    result = []
    alerts: list[NotHomeAlert] = []
    for route in routes:
        stops = list(session.exec(select(Stop).where(Stop.route_id == route.id).order_by(col(Stop.seq))))
        events = events_by_stop(session, stops)
        noticed_refs = noticed(session, {s.recipient_id for s in stops})
        live_stops = []
        for stop, eta in route_etas(session, route, stops, now, events):
            check_in, check_out, _ = progress_of(events[stop.id or 0])
            not_done = _not_done(events[stop.id or 0])
            if not_done is not None and not_done.reason == NotDoneReason.not_home:
                alerts.append(_alert(session, stop, not_done, names.get(route.carer_id, "")))
            live_stops.append(
                LiveStop(
                    stop_id=stop.id or 0,
                    recipient_id=stop.recipient_id,
                    planned_start=stop.planned_start,
                    planned_end=stop.planned_end,
                    window_end=stop.window_end,
                    checked_in_at=check_in,
                    checked_out_at=check_out,
                    expected_start=eta.expected_start,
                    lateness_minutes=eta.lateness_minutes,
                    state=eta.state,
                    noticed=visit_ref(stop, plan.date) in noticed_refs,
                    not_done_reason=not_done.reason if not_done else None,
                    not_done_note=not_done.note if not_done else "",
                )
            )
        ahead = [s for s in live_stops if s.state == VisitStatus.planned]
        state = _state(live_stops) if live_stops else "finished"
        result.append(
            LiveRoute(
                route_id=route.id or 0,
                carer_id=route.carer_id,
                carer_name=names.get(route.carer_id, str(route.carer_id)),
                state=state,
                overdue_start=state == "not_started"
                and bool(live_stops)
                and route.shift_start is not None
                and now > route.shift_start + LATE_AFTER_SHIFT_START
                and now > live_stops[0].planned_start,
                expected_lateness_minutes=max((s.lateness_minutes for s in ahead), default=0),
                late_visits=sum(1 for s in ahead if s.lateness_minutes > 0),
                stops=live_stops,
            )
        )
    return LivePlan(plan_id=plan.id or 0, computed_at=now, routes=result, alerts=alerts)


def _not_done(events: list[VisitEvent]) -> VisitEvent | None:
    return next((e for e in in_effect(events) if e.kind == VisitEventKind.cancel), None)


def _alert(session: Session, stop: Stop, event: VisitEvent, carer_name: str) -> NotHomeAlert:
    recipient = session.get(Recipient, stop.recipient_id)
    assert recipient is not None
    kin = session.exec(select(NextOfKin).where(NextOfKin.recipient_id == recipient.id)).all()
    return NotHomeAlert(
        stop_id=stop.id or 0,
        recipient_id=stop.recipient_id,
        recipient_name=recipient.name,
        address=recipient.address,
        carer_name=carer_name,
        reported_at=event.device_time,
        note=event.note,
        next_of_kin=[KinContact(name=k.name, relation=k.relation, phone=k.phone) for k in kin if k.phone],
    )
