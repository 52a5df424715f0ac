"""Recording visit events, exactly once per tablet-made UUID."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.auth.service import Principal
from backend.errors import Conflict
from backend.planning.service import stop_on_own_published_route
from backend.visits.models import VisitEvent, VisitEventCreate, VisitEventPublic


def _public(event: VisitEvent, duplicate: bool) -> VisitEventPublic:
    return VisitEventPublic.model_validate({**event.model_dump(), "duplicate": duplicate})


def record_event(session: Session, *, principal: Principal, data: VisitEventCreate) -> VisitEventPublic:
    """Store an event; a resend of the same UUID answers with the original (idempotent)."""
    key = str(data.event_uuid)
    existing = session.exec(select(VisitEvent).where(VisitEvent.event_uuid == key)).first()
    if existing is not None:
        if existing.carer_id != principal.carer_id or existing.stop_id != data.stop_id:
            raise Conflict("Hendelses-ID-en er allerede brukt for et annet besøk.")
        return _public(existing, duplicate=True)
    stop_on_own_published_route(session, principal=principal, stop_id=data.stop_id)
    assert principal.carer_id is not None
    event = VisitEvent(
        event_uuid=key,
        stop_id=data.stop_id,
        carer_id=principal.carer_id,
        kind=data.kind,
        device_time=data.device_time,
        note=data.note,
    )
    session.add(event)
    try:
        session.commit()
    except IntegrityError:
        # Two copies of the same event raced; the other one won, answer with it.
        session.rollback()
        winner = session.exec(select(VisitEvent).where(VisitEvent.event_uuid == key)).one()
        return _public(winner, duplicate=True)
    session.refresh(event)
    return _public(event, duplicate=False)
