"""The carer tablet's API: the day with live expected times, map data, and the "Forsinket" request."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlmodel import select

from backend.audit.service import log_recipient_reads
from backend.auth.deps import CarerDep
from backend.common.localtime import local_date_of
from backend.common.types import Day, IdPath, utcnow
from backend.db import SessionDep
from backend.notices.models import DelayReportCreate, DelayReportPublic
from backend.notices.service import request_delay_notices
from backend.planning.models import Stop
from backend.visits.day import CarerDay, RouteMap, carer_day, day_revision, route_map

router = APIRouter(tags=["pleierens nettbrett"])


class Revision(BaseModel):
    revision: str


@router.get("/my/day", response_model=CarerDay, summary="The carer's day: routes, brief, progress and ETA")
def my_day(
    request: Request, session: SessionDep, principal: CarerDep, date: Day | None = Query(None)
) -> CarerDay:
    now = utcnow()
    result = carer_day(session, principal=principal, day=date or local_date_of(now), now=now)
    log_recipient_reads(
        session,
        principal=principal,
        recipient_ids=[s.recipient_id for r in result.routes for s in r.stops],
        action="read day",
        path=request.url.path,
    )
    session.commit()
    return result


@router.get(
    "/my/day/revision", response_model=Revision, summary="Changes when the carer's day is republished"
)
def my_day_revision(session: SessionDep, principal: CarerDep, date: Day | None = Query(None)) -> Revision:
    day: dt.date = date or local_date_of(utcnow())
    return Revision(revision=day_revision(session, principal=principal, day=day))


@router.get("/my/routes/{route_id}/map", response_model=RouteMap, summary="Route geometry and base layer")
def my_route_map(route_id: IdPath, request: Request, session: SessionDep, principal: CarerDep) -> RouteMap:
    result = route_map(session, principal=principal, route_id=route_id)
    recipients = session.exec(select(Stop.recipient_id).where(Stop.route_id == route_id)).all()
    log_recipient_reads(
        session, principal=principal, recipient_ids=recipients, action="read route map", path=request.url.path
    )
    session.commit()
    return result


@router.post("/my/delay-notices", response_model=DelayReportPublic, summary="Forsinket: notify who may be")
def post_delay(
    data: DelayReportCreate, request: Request, response: Response, session: SessionDep, principal: CarerDep
) -> DelayReportPublic:
    result = request_delay_notices(session, principal=principal, data=data)
    response.status_code = 200 if result.duplicate else 201
    request.app.state.notice_sender.kick()
    return result
