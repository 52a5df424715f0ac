"""Notices for coordinators (every notice of the day with status and text) and the gateways'
delivery-report callbacks (shared secret, idempotent, quick)."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from backend.audit.deps import RecipientReadsDep
from backend.auth.deps import CarerDep, CoordinatorDep
from backend.common.localtime import local_date_of
from backend.common.types import MAX_ID, Day, IdPath, utcnow
from backend.db import SessionDep
from backend.errors import Forbidden, InvalidInput
from backend.notices.models import (
    DelayOutcome,
    DelayReportCreate,
    DelayReportPublic,
    NoticeMessage,
    NoticePublic,
)
from backend.notices.sender import apply_delivery_report
from backend.notices.service import notices_of_day, preview_delay_notices, request_delay_notices

router = APIRouter(tags=["varsler"])
LINK_DELIVERED = 1001


class ReportAnswer(BaseModel):
    known: bool
    status: str | None = None


def _check_secret(request: Request, given: str | None) -> None:
    expected = request.app.state.settings.sms_dlr_secret
    if not expected:
        raise Forbidden("Leveringsrapporter er ikke satt opp (HJEMMERUTE_SMS_DLR_SECRET mangler).")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("Feil eller manglende hemmelighet for leveringsrapport.")


def _answer(message: NoticeMessage | None) -> ReportAnswer:
    return ReportAnswer(known=message is not None, status=message.status if message else None)


@router.get("/notices", response_model=list[NoticePublic], summary="The day's notices with status and text")
def list_notices(
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
    date: Day | None = Query(None),
    team_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> list[NoticePublic]:
    day: dt.date = date or local_date_of(utcnow())
    result = notices_of_day(session, principal=principal, day=day, team_id=team_id)
    reads([n.recipient_id for n in result], "read notices")
    return result


@router.post(
    "/notices/delivery-reports/link", response_model=ReportAnswer, summary="LINK Mobility delivery report"
)
async def link_report(
    request: Request, session: SessionDep, secret: str | None = Query(None)
) -> ReportAnswer:
    _check_secret(request, secret or request.headers.get("x-hjemmerute-secret"))
    try:
        body: dict[str, Any] = await request.json()
        code = int(body["resultCode"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("Leveringsrapporten mangler resultCode (JSON fra LINK).") from exc
    message = apply_delivery_report(
        session,
        reference=str(body.get("refId") or "") or None,
        provider_message_id=str(body.get("id") or "") or None,
        delivered=code == LINK_DELIVERED,
        reason=f"LINK resultCode {code}: {body.get('description', '')}",
    )
    return _answer(message)


@router.get(
    "/notices/delivery-reports/sveve",
    response_model=ReportAnswer,
    summary="Sveve delivery report (GET)",
    operation_id="sveve_report_get",
)
@router.post(
    "/notices/delivery-reports/sveve",
    response_model=ReportAnswer,
    summary="Sveve delivery report (POST)",
    operation_id="sveve_report_post",
)
def sveve_report(
    request: Request,
    session: SessionDep,
    secret: str | None = Query(None),
    id: str | None = Query(None, max_length=100),
    ref: str | None = Query(None, max_length=64),
    status: str = Query(..., pattern="^(true|false)$"),
    errorCode: str | None = Query(None, max_length=50),
    errorDesc: str | None = Query(None, max_length=500),
) -> ReportAnswer:
    _check_secret(request, secret)
    message = apply_delivery_report(
        session,
        reference=ref,
        provider_message_id=id,
        delivered=status == "true",
        reason=f"Sveve {errorCode or ''}: {errorDesc or 'ikke levert'}",
    )
    return _answer(message)


@router.get(
    "/my/routes/{route_id}/delay-preview",
    response_model=list[DelayOutcome],
    tags=["pleierens nettbrett"],
    summary="What «Meld forsinkelse» would do for each visit left, before tapping",
)
def delay_preview(
    route_id: IdPath, request: Request, session: SessionDep, principal: CarerDep, reads: RecipientReadsDep
) -> list[DelayOutcome]:
    outcome, recipients = preview_delay_notices(
        session, principal=principal, route_id=route_id, settings=request.app.state.settings, now=utcnow()
    )
    reads(recipients, "preview delay notices")
    return outcome


@router.post(
    "/my/delay-notices",
    response_model=DelayReportPublic,
    tags=["pleierens nettbrett"],
    summary="Forsinket: notify who may be",
)
def post_delay(
    data: DelayReportCreate, request: Request, response: Response, session: SessionDep, principal: CarerDep
) -> DelayReportPublic:
    result = request_delay_notices(
        session, principal=principal, data=data, settings=request.app.state.settings
    )
    response.status_code = 200 if result.duplicate else 201
    request.app.state.notice_sender.kick()
    return result
