"""The carer tablet's API: the day with live expected times, map data, and the "Forsinket" request."""

from __future__ import annotations

import datetime as dt
import hashlib

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import select

from backend.audit.deps import RecipientReadsDep
from backend.auth.deps import CarerDep
from backend.common.hooks import HooksDep
from backend.common.localtime import local_date_of
from backend.common.types import Day, IdPath, utcnow
from backend.db import SessionDep
from backend.planning.deps import PlanInScopeDep
from backend.planning.models import CarerRouteView, Stop
from backend.visits.day import CarerDay, RouteMap, carer_day, day_revision, route_map
from backend.visits.live import LivePlan, live_plan
from backend.visits.models import VisitEventCreate, VisitEventPublic
from backend.visits.service import record_event
from backend.visits.status import carer_routes

router = APIRouter(tags=["pleierens nettbrett"])


class Revision(BaseModel):
    revision: str


@router.get("/my/day", response_model=CarerDay, summary="The carer's day: routes, brief, progress and ETA")
def my_day(
    session: SessionDep,
    principal: CarerDep,
    reads: RecipientReadsDep,
    hooks: HooksDep,
    date: Day | None = Query(None),
) -> CarerDay:
    now = utcnow()
    day = date or local_date_of(now)
    result = carer_day(session, principal=principal, day=day, now=now, noticed=hooks.noticed)
    reads([s.recipient_id for r in result.routes for s in r.stops], "read day")
    return result


@router.get(
    "/my/day/revision", response_model=Revision, summary="Changes when the carer's day is republished"
)
def my_day_revision(
    request: Request, session: SessionDep, principal: CarerDep, date: Day | None = Query(None)
) -> Response:
    """Every tablet asks this every 20 s: the revision as an ETag, and 304 with no body when the tablet
    already has it (If-None-Match)."""
    day: dt.date = date or local_date_of(utcnow())
    revision = day_revision(session, principal=principal, day=day)
    etag = f'"{hashlib.sha256(revision.encode()).hexdigest()[:16]}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(Revision(revision=revision).model_dump(), headers={"ETag": etag})


@router.get("/my/routes/{route_id}/map", response_model=RouteMap, summary="Route geometry and base layer")
def my_route_map(
    route_id: IdPath, request: Request, session: SessionDep, principal: CarerDep, reads: RecipientReadsDep
) -> RouteMap:
    result = route_map(session, principal=principal, route_id=route_id, settings=request.app.state.settings)
    recipients = session.exec(select(Stop.recipient_id).where(Stop.route_id == route_id)).all()
    reads(recipients, "read route map")
    return result


@router.get(
    "/plans/{plan_id}/live",
    response_model=LivePlan,
    summary="Live: check-in and check-out beside the plan, expected lateness per carer",
)
def plan_live(
    plan: PlanInScopeDep, session: SessionDep, reads: RecipientReadsDep, hooks: HooksDep
) -> LivePlan:
    result = live_plan(session, plan=plan, now=utcnow(), noticed=hooks.noticed)
    reads([s.recipient_id for r in result.routes for s in r.stops], "read live plan")
    return result


@router.get("/my/routes", response_model=list[CarerRouteView], summary="The carer's own published routes")
def my_routes(
    session: SessionDep,
    principal: CarerDep,
    reads: RecipientReadsDep,
    date: Day | None = Query(None),
) -> list[CarerRouteView]:
    day: dt.date = date or local_date_of(utcnow())
    routes = carer_routes(session, principal=principal, day=day)
    ids = [s.recipient_id for r in routes for s in r.stops]
    reads(ids, "read route")
    return routes


@router.post(
    "/visit-events", response_model=VisitEventPublic, summary="Check in, check out or cancel a visit"
)
def post_event(
    data: VisitEventCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CarerDep,
    hooks: HooksDep,
) -> VisitEventPublic:
    result = record_event(session, principal=principal, data=data, hooks=hooks)
    response.status_code = 200 if result.duplicate else 201
    request.app.state.notice_sender.kick()
    return result
