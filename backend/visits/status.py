"""Visit progress: each stop's status from its check-in/out events (also those reported on the same visit
in the plans it was re-planned from), and what a carer (and the printed kjøreliste) sees of each stop."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from backend.auth.service import Principal
from backend.common.enums import PlanStatus, VisitEventKind, VisitStatus
from backend.decisions.models import DecisionVisit
from backend.errors import Forbidden, NotFound
from backend.planning.models import (
    CarerRouteView,
    CarerStopView,
    Plan,
    Route,
    Stop,
    StopProgress,
    StopPublic,
)
from backend.recipients.models import Recipient
from backend.visits.models import VisitEvent

Progress = tuple[dt.datetime | None, dt.datetime | None, bool]  # first check-in, first check-out, cancelled


def in_effect(events: list[VisitEvent]) -> list[VisitEvent]:
    """The events that stand: an undo and the event it undid both drop out (both stay stored)."""
    undone = {e.undoes for e in events if e.kind == VisitEventKind.undo}
    return [e for e in events if e.kind != VisitEventKind.undo and e.event_uuid not in undone]


def progress_of(events: list[VisitEvent]) -> Progress:
    """The first check-in and check-out by device time, and whether the visit was not done, of the events
    in effect."""
    ordered = sorted(in_effect(events), key=lambda e: (e.device_time, e.server_time))
    check_in = next((e.device_time for e in ordered if e.kind == VisitEventKind.check_in), None)
    check_out = next((e.device_time for e in ordered if e.kind == VisitEventKind.check_out), None)
    return check_in, check_out, any(e.kind == VisitEventKind.cancel for e in ordered)


def status_of(
    checked_in: dt.datetime | None, checked_out: dt.datetime | None, cancelled: bool
) -> VisitStatus:
    """The one rule for a visit's status: cancelled over done over in progress over planned."""
    if cancelled:
        return VisitStatus.cancelled
    if checked_out is not None:
        return VisitStatus.done
    if checked_in is not None:
        return VisitStatus.in_progress
    return VisitStatus.planned


def stop_status(events: list[VisitEvent]) -> str:
    return status_of(*progress_of(events)).value


def events_by_stop(session: Session, stops: list[Stop]) -> dict[int, list[VisitEvent]]:
    """Each stop's events, including those reported on the same visit in the plans it was re-planned from."""
    roots = {s.id: s.origin_stop_id or s.id for s in stops}
    family = list(
        session.exec(
            select(Stop.id, Stop.origin_stop_id).where(
                col(Stop.origin_stop_id).in_(set(roots.values())) | col(Stop.id).in_(set(roots.values()))
            )
        )
    )
    members: dict[int, set[int]] = {}
    for stop_id, origin in family:
        members.setdefault(int(origin or stop_id or 0), set()).add(int(stop_id or 0))
    all_ids = {i for ids in members.values() for i in ids} | {s.id for s in stops if s.id}
    events = list(session.exec(select(VisitEvent).where(col(VisitEvent.stop_id).in_(all_ids))))
    result: dict[int, list[VisitEvent]] = {}
    for stop in stops:
        ids = members.get(roots[stop.id] or 0, set()) | {stop.id}
        result[stop.id or 0] = [e for e in events if e.stop_id in ids]
    return result


def stops_with_status(
    session: Session, stops: list[Stop], events: dict[int, list[VisitEvent]] | None = None
) -> list[tuple[Stop, str]]:
    events = events if events is not None else events_by_stop(session, stops)
    return [(stop, stop_status(events[stop.id or 0])) for stop in stops]


def stops_with_progress(session: Session, stops: list[Stop]) -> list[StopProgress]:
    """Each stop's status, first check-in and check-out: a re-plan keeps what happened as it happened."""
    events = events_by_stop(session, stops)
    result = []
    for stop in stops:
        check_in, check_out, cancelled = progress_of(events[stop.id or 0])
        status = status_of(check_in, check_out, cancelled).value
        result.append(StopProgress(stop, status, check_in, check_out))
    return result


def carer_routes(session: Session, *, principal: Principal, day: dt.date) -> list[CarerRouteView]:
    """The carer's own routes in published plans of the date; nothing else is reachable."""
    if principal.carer_id is None:
        raise Forbidden("Innloggingen er ikke knyttet til en pleier.")
    pairs = session.exec(
        select(Route, Plan)
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .where(Route.carer_id == principal.carer_id, Plan.date == day, Plan.status == PlanStatus.published)
        .order_by(col(Plan.id))
    ).all()
    views = []
    for route, plan in pairs:
        stops = list(session.exec(select(Stop).where(Stop.route_id == route.id).order_by(col(Stop.seq))))
        views.append(
            CarerRouteView(
                plan_id=plan.id or 0,
                route_id=route.id or 0,
                date=plan.date,
                shift_kind=plan.shift_kind,
                published_at=plan.published_at,
                stops=stop_views(session, stops),
            )
        )
    return views


def stop_views(
    session: Session, stops: list[Stop], events: dict[int, list[VisitEvent]] | None = None
) -> list[CarerStopView]:
    """What the carer (and the printed kjøreliste) shows of each stop (`events`: if already read). The
    recipients and vedtak visits are read in one query each: every tablet polls this."""
    recipients = {
        r.id: r
        for r in session.exec(select(Recipient).where(col(Recipient.id).in_({s.recipient_id for s in stops})))
    }
    visit_ids = {s.decision_visit_id for s in stops if s.decision_visit_id}
    visits = {
        v.id: v for v in session.exec(select(DecisionVisit).where(col(DecisionVisit.id).in_(visit_ids)))
    }
    views = []
    for stop, status in stops_with_status(session, stops, events):
        recipient = recipients.get(stop.recipient_id)
        if recipient is None:
            raise NotFound("Bruker finnes ikke.")
        views.append(_carer_stop(stop, status, recipient, visits.get(stop.decision_visit_id or 0)))
    return views


def _carer_stop(stop: Stop, status: str, recipient: Recipient, visit: DecisionVisit | None) -> CarerStopView:
    return CarerStopView(
        **StopPublic.model_validate(stop).model_dump(),
        recipient_name=recipient.name,
        address=recipient.address,
        lat=recipient.lat,
        lon=recipient.lon,
        access_notes=recipient.access_notes,
        tasks=[str(t["name"]) for t in visit.tasks] if visit else [],
        minutes=visit.minutes
        if visit
        else int((stop.planned_end - stop.planned_start).total_seconds() // 60),
        double_staffed=visit.double_staffed if visit else False,
        status=status,
    )
