"""Creating notices: the carer's "Forsinket" tap, judged by the server's own estimate and policy."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.auth.service import Principal
from backend.common.crud import get_or_404
from backend.common.enums import PlanStatus
from backend.common.types import utcnow
from backend.errors import Conflict, Forbidden
from backend.municipality.models import MunicipalitySettings
from backend.notices.models import DelayOutcome, DelayReport, DelayReportCreate, DelayReportPublic, Notice
from backend.notices.policy import delay_decision, has_consent
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import Recipient
from backend.visits.day import route_etas, visit_ref


def _public(report: DelayReport, duplicate: bool) -> DelayReportPublic:
    return DelayReportPublic.model_validate({**report.model_dump(), "duplicate": duplicate})


def _current_route(session: Session, principal: Principal, route_id: int) -> tuple[Route, Plan]:
    """The carer's route; if the coordinator republished meanwhile, the carer's route in the new plan."""
    route = get_or_404(session, Route, route_id, "Kjøreliste")
    plan = get_or_404(session, Plan, route.plan_id, "Plan")
    if route.carer_id != principal.carer_id or plan.status == PlanStatus.draft:
        raise Forbidden("Kjørelisten er ikke din publiserte kjøreliste.")
    if plan.status == PlanStatus.published:
        return route, plan
    current = session.exec(
        select(Route, Plan)
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .where(
            Route.carer_id == route.carer_id,
            Plan.date == plan.date,
            Plan.team_id == plan.team_id,
            Plan.shift_kind == plan.shift_kind,
            Plan.status == PlanStatus.published,
        )
    ).first()
    if current is None:
        raise Conflict("Kjørelisten er endret av koordinator og du har ikke lenger besøk i den.")
    return current


def _last_notified(session: Session, ref: str) -> tuple[int, int | None]:
    """(last revision, its lateness) of the visit's delay notices."""
    rows = session.exec(
        select(Notice)
        .where(col(Notice.key).startswith(f"{ref}:delay:"))
        .order_by(col(Notice.revision).desc())
    ).first()
    return (rows.revision, rows.lateness_minutes) if rows else (0, None)


def request_delay_notices(
    session: Session, *, principal: Principal, data: DelayReportCreate, now: dt.datetime | None = None
) -> DelayReportPublic:
    """Why: one tap must notify exactly the recipients the rules allow, once, however often it is resent."""
    key = str(data.request_uuid)
    existing = session.exec(select(DelayReport).where(DelayReport.request_uuid == key)).first()
    if existing is not None:
        if existing.carer_id != principal.carer_id:
            raise Conflict("Forespørsels-ID-en er allerede brukt.")
        return _public(existing, duplicate=True)
    route, plan = _current_route(session, principal, data.route_id)
    municipality = session.get(MunicipalitySettings, 1) or MunicipalitySettings(id=1, name="")
    stops = list(session.exec(select(Stop).where(Stop.route_id == route.id).order_by(col(Stop.seq))))
    report = DelayReport(
        request_uuid=key, carer_id=route.carer_id, route_id=route.id or 0, device_time=data.device_time
    )
    session.add(report)
    session.flush()
    outcome: list[DelayOutcome] = []
    for stop, eta in route_etas(session, route, stops, now or utcnow()):
        if eta.state != "planned":
            outcome.append(
                DelayOutcome(
                    stop_id=stop.id or 0,
                    expected_start=eta.expected_start,
                    lateness_minutes=eta.lateness_minutes,
                    notice="done",
                )
            )
            continue
        ref = visit_ref(stop, plan.date)
        revision, last = _last_notified(session, ref)
        recipient = get_or_404(session, Recipient, stop.recipient_id, "Bruker")
        decision = delay_decision(
            lateness_minutes=eta.lateness_minutes,
            threshold_minutes=municipality.notice_threshold_minutes,
            consented=has_consent(session, recipient),
            last_notified_lateness=last,
        )
        notice_id = None
        if decision == "created":
            notice = Notice(
                key=f"{ref}:delay:{revision + 1}",
                stop_id=stop.id or 0,
                recipient_id=stop.recipient_id,
                kind="delay",
                revision=revision + 1,
                expected_start=eta.expected_start,
                lateness_minutes=eta.lateness_minutes,
                source="carer",
                delay_report_id=report.id,
            )
            session.add(notice)
            session.flush()
            notice_id = notice.id
        outcome.append(
            DelayOutcome(
                stop_id=stop.id or 0,
                expected_start=eta.expected_start,
                lateness_minutes=eta.lateness_minutes,
                notice=decision,
                notice_id=notice_id,
            )
        )
    report.outcome = [o.model_dump(mode="json") for o in outcome]
    session.add(report)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        winner = session.exec(select(DelayReport).where(DelayReport.request_uuid == key)).first()
        if winner is not None:
            return _public(winner, duplicate=True)
        raise Conflict(
            "Et annet varsel for samme besøk ble laget samtidig; trykk «Forsinket» igjen."
        ) from exc
    session.refresh(report)
    return _public(report, duplicate=False)
