"""Vedtak: stored as a decision, its visits (with tasks) and the links between them."""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError
from sqlmodel import Session, col, select

from backend.auth.service import Principal
from backend.common.crud import get_or_404, referenced_elsewhere
from backend.common.paging import Page, rows_of
from backend.decisions.models import (
    DecisionCreate,
    DecisionLink,
    DecisionLinkPublic,
    DecisionPublic,
    DecisionUpdate,
    DecisionVisit,
    DecisionVisitPublic,
    ServiceDecision,
)
from backend.errors import Conflict, InvalidInput, validation_message
from backend.recipients.models import Recipient


def decision_in_scope(session: Session, *, principal: Principal, decision_id: int) -> ServiceDecision:
    decision = get_or_404(session, ServiceDecision, decision_id, "Vedtak")
    recipient = get_or_404(session, Recipient, decision.recipient_id, "Bruker")
    principal.require_team(recipient.team_id)
    return decision


def visits_of(session: Session, decision_id: int) -> list[DecisionVisit]:
    return list(
        session.exec(
            select(DecisionVisit)
            .where(DecisionVisit.decision_id == decision_id)
            .order_by(col(DecisionVisit.id))
        )
    )


def links_of(session: Session, decision_id: int) -> list[DecisionLink]:
    return list(
        session.exec(
            select(DecisionLink).where(DecisionLink.decision_id == decision_id).order_by(col(DecisionLink.id))
        )
    )


def to_public(session: Session, decision: ServiceDecision) -> DecisionPublic:
    assert decision.id is not None
    visits = visits_of(session, decision.id)
    labels = {v.id: v.label for v in visits}
    return DecisionPublic(
        id=decision.id,
        recipient_id=decision.recipient_id,
        reference=decision.reference,
        service_type=decision.service_type,
        valid_from=decision.valid_from,
        valid_to=decision.valid_to,
        weekdays=list(decision.weekdays),
        interval_weeks=decision.interval_weeks,
        visits=[DecisionVisitPublic.model_validate({**v.model_dump(), "minutes": v.minutes}) for v in visits],
        links=[
            DecisionLinkPublic(
                id=link.id or 0,
                from_label=labels[link.from_visit_id],
                to_label=labels[link.to_visit_id],
                min_gap_minutes=link.min_gap_minutes,
                max_gap_minutes=link.max_gap_minutes,
            )
            for link in links_of(session, decision.id)
        ],
    )


def list_decisions(
    session: Session, *, principal: Principal, recipient_id: int | None, page: Page | None = None
) -> list[ServiceDecision]:
    query = (
        select(ServiceDecision)
        .join(Recipient, Recipient.id == ServiceDecision.recipient_id)  # type: ignore[arg-type]
        .where(Recipient.team_id.in_(principal.team_ids))  # type: ignore[attr-defined]
        .order_by(col(ServiceDecision.id))
    )
    if recipient_id is not None:
        query = query.where(ServiceDecision.recipient_id == recipient_id)
    return rows_of(session, query, page)


def create_decision(
    session: Session, *, principal: Principal, data: DecisionCreate, commit: bool = True
) -> ServiceDecision:
    recipient = session.get(Recipient, data.recipient_id)
    if recipient is None:
        raise InvalidInput(f"Bruker {data.recipient_id} finnes ikke.", field="recipient_id")
    principal.require_team(recipient.team_id)
    if (
        data.reference
        and session.exec(select(ServiceDecision).where(ServiceDecision.reference == data.reference)).first()
    ):
        raise Conflict(f"Vedtaksnummer «{data.reference}» finnes allerede.", field="reference")
    decision = ServiceDecision(
        recipient_id=data.recipient_id,
        reference=data.reference,
        service_type=data.service_type,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        weekdays=sorted(data.weekdays),
        interval_weeks=data.interval_weeks,
    )
    session.add(decision)
    session.flush()
    assert decision.id is not None
    by_label: dict[str, DecisionVisit] = {}
    for visit in data.visits:
        row = DecisionVisit(
            decision_id=decision.id,
            **visit.model_dump(exclude={"tasks"}),
            tasks=[t.model_dump() for t in visit.tasks],
        )
        session.add(row)
        by_label[visit.label] = row
    session.flush()
    for link in data.links:
        from_id, to_id = by_label[link.from_label].id, by_label[link.to_label].id
        assert from_id is not None and to_id is not None
        session.add(
            DecisionLink(
                decision_id=decision.id,
                from_visit_id=from_id,
                to_visit_id=to_id,
                min_gap_minutes=link.min_gap_minutes,
                max_gap_minutes=link.max_gap_minutes,
            )
        )
    if commit:
        session.commit()
        session.refresh(decision)
    return decision


def update_decision(
    session: Session, *, principal: Principal, decision_id: int, data: DecisionUpdate
) -> ServiceDecision:
    decision = decision_in_scope(session, principal=principal, decision_id=decision_id)
    changes = data.model_dump(exclude_unset=True)
    if (
        "valid_to" in changes
        and changes["valid_to"] is not None
        and changes["valid_to"] < decision.valid_from
    ):
        raise InvalidInput("Stoppdato kan ikke være før vedtakets startdato.", field="valid_to")
    if changes.get("reference"):
        other = session.exec(
            select(ServiceDecision).where(ServiceDecision.reference == changes["reference"])
        ).first()
        if other is not None and other.id != decision_id:
            raise Conflict(f"Vedtaksnummer «{changes['reference']}» finnes allerede.", field="reference")
    for key, value in changes.items():
        setattr(decision, key, value)
    session.add(decision)
    session.commit()
    session.refresh(decision)
    return decision


def change_decision_from(
    session: Session, *, principal: Principal, decision_id: int, data: DecisionCreate, commit: bool = True
) -> ServiceDecision:
    """A vedtak changed from a date: the old one ends the day before `data.valid_from` and the new one starts
    then, in one transaction, so history stays whole (last month is measured against what was agreed then)."""
    old = decision_in_scope(session, principal=principal, decision_id=decision_id)
    if data.recipient_id != old.recipient_id:
        raise InvalidInput("Et vedtak kan bare endres for samme bruker.", field="recipient_id")
    if data.valid_from <= old.valid_from:
        raise InvalidInput(
            f"Endringen må gjelde fra en dag etter at vedtaket startet ({old.valid_from:%d.%m.%Y}); "
            "sett heller en stoppdato eller slett vedtaket.",
            field="valid_from",
        )
    if old.valid_to is not None and data.valid_from > old.valid_to:
        raise InvalidInput(
            f"Vedtaket sluttet {old.valid_to:%d.%m.%Y}; registrer et nytt vedtak i stedet.",
            field="valid_from",
        )
    old.valid_to = data.valid_from - dt.timedelta(days=1)
    session.add(old)
    decision = create_decision(session, principal=principal, data=data, commit=False)
    if commit:
        session.commit()
        session.refresh(decision)
    return decision


def _holding_on(session: Session, decision: ServiceDecision, label: str, day: dt.date) -> ServiceDecision:
    """The vedtak that holds a visit on `day`: `decision`, or the change that followed it (same recipient,
    starting the day after it ended, with a visit of the same name)."""
    while decision.valid_to is not None and decision.valid_to < day:
        successor = session.exec(
            select(ServiceDecision).where(
                ServiceDecision.recipient_id == decision.recipient_id,
                ServiceDecision.valid_from == decision.valid_to + dt.timedelta(days=1),
            )
        ).first()
        if successor is None or label not in {v.label for v in visits_of(session, successor.id or 0)}:
            raise Conflict(
                f"Vedtaket med besøket «{label}» er avsluttet før {day:%d.%m.%Y}.", field="valid_from"
            )
        decision = successor
    return decision


def move_visit_window(
    session: Session,
    *,
    principal: Principal,
    decision_visit_id: int,
    window: tuple[dt.time, dt.time],
    valid_from: dt.date,
) -> ServiceDecision:
    """A visit's agreed window moved from a date, in the caller's transaction: the vedtak holding the visit
    then is changed from that date (or, when it starts that very day, its visit is moved in place)."""
    visit = get_or_404(session, DecisionVisit, decision_visit_id, "Besøk")
    first = decision_in_scope(session, principal=principal, decision_id=visit.decision_id)
    decision = _holding_on(session, first, visit.label, valid_from)
    if decision.valid_from > valid_from:
        raise InvalidInput(
            f"Vedtaket gjelder først fra {decision.valid_from:%d.%m.%Y}; velg den datoen eller senere.",
            field="valid_from",
        )
    data = with_window(session, decision, visit.label, window, valid_from)
    if decision.valid_from == valid_from:
        for row in visits_of(session, decision.id or 0):
            if row.label == visit.label:
                row.window_start, row.window_end = window
                row.latest_acceptable = next(
                    v.latest_acceptable for v in data.visits if v.label == visit.label
                )
                session.add(row)
        session.flush()
        return decision
    return change_decision_from(
        session, principal=principal, decision_id=decision.id or 0, data=data, commit=False
    )


def with_window(
    session: Session,
    decision: ServiceDecision,
    label: str,
    window: tuple[dt.time, dt.time],
    valid_from: dt.date,
) -> DecisionCreate:
    """The vedtak with one visit's agreed window moved, from `valid_from`, checked by the vedtak's own rules
    (a lunch → dinner gap that no longer fits is refused, InvalidInput); a latest acceptable start the new
    window passes is dropped."""
    payload = to_public(session, decision).model_dump(exclude={"id"})
    for row in payload["visits"]:
        if row["label"] == label:
            row["window_start"], row["window_end"] = window
            if row.get("latest_acceptable") is not None and row["latest_acceptable"] < window[1]:
                row["latest_acceptable"] = None
    payload |= {"valid_from": valid_from, "reference": _changed_reference(session, decision, valid_from)}
    try:
        return DecisionCreate.model_validate(payload)
    except ValidationError as exc:
        message = "; ".join(validation_message(e["msg"]) for e in exc.errors())
        raise InvalidInput(f"Det nye tidsvinduet bryter vedtaket: {message}", field="window_start") from exc


def _changed_reference(session: Session, decision: ServiceDecision, valid_from: dt.date) -> str | None:
    """The changed vedtak's number: the old one with the date it holds from, where that is still free."""
    if not decision.reference:
        return None
    candidate = f"{decision.reference[:180]} fra {valid_from.isoformat()}"
    taken = session.exec(select(ServiceDecision.id).where(ServiceDecision.reference == candidate)).first()
    return None if taken is not None else candidate


def delete_decision(session: Session, *, principal: Principal, decision_id: int) -> None:
    """A vedtak that plans already use is ended with a stop date instead, so history stays whole."""
    decision = decision_in_scope(session, principal=principal, decision_id=decision_id)
    visit_ids = [v.id for v in visits_of(session, decision_id)]
    if referenced_elsewhere(session, DecisionVisit, [i for i in visit_ids if i is not None]):
        raise Conflict("Vedtaket er brukt i kjørelister. Sett en stoppdato i stedet for å slette det.")
    session.delete(decision)
    session.commit()
