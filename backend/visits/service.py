"""Recording visit events, exactly once per tablet-made UUID, also when the plan changed meanwhile."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.auth.service import Principal
from backend.common.crud import get_or_404
from backend.common.enums import PlanStatus, VisitEventKind, VisitStatus
from backend.common.hooks import Hooks
from backend.common.types import utcnow
from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.planning.models import Plan, Route, Stop
from backend.planning.service import current_route_of
from backend.visits.device_time import check_device_time
from backend.visits.models import VisitEvent, VisitEventCreate, VisitEventPublic
from backend.visits.status import stops_with_progress

MOVED_AWAY = (
    "Koordinator har flyttet besøket fra din kjøreliste mens nettbrettet var frakoblet. "
    "Hendelsen er lagret, men kontakt koordinator."
)


def _public(event: VisitEvent, duplicate: bool) -> VisitEventPublic:
    return VisitEventPublic.model_validate({**event.model_dump(), "duplicate": duplicate})


def current_stop_of(session: Session, *, stop: Stop, plan: Plan, carer_id: int) -> Stop | None:
    """The same visit on the carer's route in the plan now published for that day and shift, if any."""
    current = current_route_of(session, plan=plan, carer_id=carer_id)
    if current is None:
        return None
    route, _ = current
    for candidate in session.exec(select(Stop).where(Stop.route_id == route.id)):
        same_visit = candidate.decision_visit_id is not None and (
            candidate.decision_visit_id == stop.decision_visit_id
            and (candidate.visit_key == stop.visit_key or not stop.visit_key or not candidate.visit_key)
        )
        if same_visit or (candidate.origin_stop_id in (stop.id, stop.origin_stop_id) and stop.id):
            return candidate
    return None


def _target(
    session: Session, principal: Principal, stop_id: int, device_time: dt.datetime
) -> tuple[int, int | None, str]:
    """Where an event lands: (stop id, stop id the tablet named if different, conflict text)."""
    stop = get_or_404(session, Stop, stop_id, "Besøk")
    route = get_or_404(session, Route, stop.route_id, "Kjøreliste")
    plan = get_or_404(session, Plan, route.plan_id, "Plan")
    if route.carer_id != principal.carer_id or plan.status == PlanStatus.draft:
        raise Forbidden("Besøket står ikke på din publiserte kjøreliste.")
    check_device_time(device_time, server_time=utcnow(), plan_day=plan.date)
    if plan.status == PlanStatus.published:
        return stop_id, None, ""
    current = current_stop_of(session, stop=stop, plan=plan, carer_id=route.carer_id)
    if current is not None and current.id is not None:
        return current.id, stop_id, ""
    return stop_id, None, MOVED_AWAY


UNDO_WINDOW = dt.timedelta(minutes=2)


def _undo_target(session: Session, principal: Principal, data: VisitEventCreate) -> VisitEvent:
    """The carer's own event to undo: not an undo itself, not undone already, at most UNDO_WINDOW old."""
    original = session.exec(select(VisitEvent).where(VisitEvent.event_uuid == str(data.undoes))).first()
    if original is None or original.carer_id != principal.carer_id:
        raise NotFound("Hendelsen som skal angres finnes ikke blant dine.")
    if original.kind == VisitEventKind.undo:
        raise InvalidInput("En angring kan ikke angres; registrer hendelsen på nytt.", field="undoes")
    if session.exec(select(VisitEvent).where(VisitEvent.undoes == original.event_uuid)).first() is not None:
        raise Conflict("Hendelsen er allerede angret.")
    if utcnow() - original.server_time > UNDO_WINDOW:
        raise Conflict("Det går bare å angre de første to minuttene. Kontakt koordinator for å rette.")
    return original


def _refuse_not_done_after_done(session: Session, stop_id: int) -> None:
    """«Ikke utført» for a visit already done (or already reported not done) would rewrite what happened."""
    stop = get_or_404(session, Stop, stop_id, "Besøk")
    status = stops_with_progress(session, [stop])[0].status
    if status == VisitStatus.done:
        raise Conflict("Besøket er allerede utført; det kan ikke meldes som ikke utført.")
    if status == VisitStatus.cancelled:
        raise Conflict("Besøket er allerede meldt som ikke utført.")


def record_event(
    session: Session, *, principal: Principal, data: VisitEventCreate, hooks: Hooks
) -> VisitEventPublic:
    """Store an event; a resend of the same UUID answers with the original (idempotent). An event for a
    visit the coordinator moved away while the tablet was offline is kept and marked as a conflict.
    Subscribers (notices) act on the event in its own transaction."""
    key = str(data.event_uuid)
    existing = session.exec(select(VisitEvent).where(VisitEvent.event_uuid == key)).first()
    if existing is not None:
        named = existing.reported_stop_id or existing.stop_id
        if existing.carer_id != principal.carer_id or named != data.stop_id:
            raise Conflict("Hendelses-ID-en er allerede brukt for et annet besøk.")
        return _public(existing, duplicate=True)
    undoes = None
    if data.kind == VisitEventKind.undo:
        undone = _undo_target(session, principal, data)
        undoes = undone.event_uuid
        data = data.model_copy(update={"stop_id": undone.reported_stop_id or undone.stop_id})
    stop_id, reported, conflict = _target(session, principal, data.stop_id, data.device_time)
    if data.kind == VisitEventKind.cancel and not conflict:
        _refuse_not_done_after_done(session, stop_id)
    assert principal.carer_id is not None
    event = VisitEvent(
        event_uuid=key,
        stop_id=stop_id,
        reported_stop_id=reported,
        conflict=conflict,
        carer_id=principal.carer_id,
        kind=data.kind,
        device_time=data.device_time,
        note=data.note,
        reason=data.reason,
        undoes=undoes,
    )
    session.add(event)
    try:
        session.flush()
        if not conflict:
            hooks.event_recorded(session, stop_id, data.kind)
        session.commit()
    except IntegrityError:
        # Two copies of the same event raced; the other one won, answer with it.
        session.rollback()
        winner = session.exec(select(VisitEvent).where(VisitEvent.event_uuid == key)).one()
        return _public(winner, duplicate=True)
    session.refresh(event)
    return _public(event, duplicate=False)
