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
from backend.notices.detect import evaluate_route
from backend.notices.models import (
    DelayOutcome,
    DelayReport,
    DelayReportCreate,
    DelayReportPublic,
    Notice,
    NoticeMessage,
    NoticeMessagePublic,
    NoticePublic,
)
from backend.planning.models import Plan, Route, Stop
from backend.planning.service import current_route_of
from backend.settings import Settings


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
    current = current_route_of(session, plan=plan, carer_id=route.carer_id)
    if current is None:
        raise Conflict("Kjørelisten er endret av koordinator og du har ikke lenger besøk i den.")
    return current


def request_delay_notices(
    session: Session,
    *,
    principal: Principal,
    data: DelayReportCreate,
    settings: Settings,
    now: dt.datetime | None = None,
) -> DelayReportPublic:
    """Why: one tap must notify exactly the recipients the rules allow, once, however often it is resent."""
    key = str(data.request_uuid)
    existing = session.exec(select(DelayReport).where(DelayReport.request_uuid == key)).first()
    if existing is not None:
        if existing.carer_id != principal.carer_id:
            raise Conflict("Forespørsels-ID-en er allerede brukt.")
        return _public(existing, duplicate=True)
    route, plan = _current_route(session, principal, data.route_id)
    report = DelayReport(
        request_uuid=key, carer_id=route.carer_id, route_id=route.id or 0, device_time=data.device_time
    )
    session.add(report)
    session.flush()
    outcome = evaluate_route(
        session,
        route=route,
        plan=plan,
        now=now or utcnow(),
        source="carer",
        settings=settings,
        delay_report_id=report.id,
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
            "Et annet varsel for samme besøk ble laget samtidig; trykk «Meld forsinkelse» igjen."
        ) from exc
    session.refresh(report)
    return _public(report, duplicate=False)


def preview_delay_notices(
    session: Session, *, principal: Principal, route_id: int, settings: Settings, now: dt.datetime
) -> tuple[list[DelayOutcome], list[int]]:
    """What «Meld forsinkelse» would do for each visit left, before the carer taps (nothing is written),
    and the recipients it concerns (for the access log)."""
    route, plan = _current_route(session, principal, route_id)
    outcome = evaluate_route(
        session, route=route, plan=plan, now=now, source="carer", settings=settings, preview=True
    )
    session.rollback()
    recipients = session.exec(select(Stop.recipient_id).where(Stop.route_id == route.id)).all()
    return outcome, sorted(set(recipients))


def notices_of_day(
    session: Session, *, principal: Principal, day: dt.date, team_id: int | None = None
) -> list[NoticePublic]:
    """Every notice of the coordinator's teams for a day, with each SMS, its text and status."""
    query = (
        select(Notice)
        .join(Stop, Stop.id == Notice.stop_id)  # type: ignore[arg-type]
        .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .where(Plan.date == day, col(Plan.team_id).in_(principal.team_ids))
        .order_by(col(Notice.created_at))
    )
    if team_id is not None:
        query = query.where(Plan.team_id == team_id)
    result = []
    for notice in session.exec(query).all():
        messages = session.exec(select(NoticeMessage).where(NoticeMessage.notice_id == notice.id)).all()
        result.append(
            NoticePublic(
                **notice.model_dump(exclude={"delay_report_id"}),
                messages=[NoticeMessagePublic.model_validate(m, from_attributes=True) for m in messages],
            )
        )
    return result
