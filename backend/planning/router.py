from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request, Response

from backend.audit.service import log_recipient_reads
from backend.auth.deps import CarerDep, CoordinatorDep
from backend.common.localtime import local_date_of
from backend.common.types import MAX_ID, Day, IdPath, utcnow
from backend.db import SessionDep
from backend.planning import service
from backend.planning.models import CarerRouteView, ManualPlanCreate, PlanPublic
from backend.visits.models import VisitEventCreate, VisitEventPublic
from backend.visits.service import record_event

router = APIRouter(tags=["kjørelister"])


@router.get("/plans", response_model=list[PlanPublic], summary="Plans of a date")
def list_plans(
    request: Request,
    session: SessionDep,
    principal: CoordinatorDep,
    date: Day = Query(...),
    team_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> list[PlanPublic]:
    plans = service.list_plans(session, principal=principal, day=date, team_id=team_id)
    result = [service.to_public(session, p) for p in plans]
    ids = [s.recipient_id for p in result for r in p.routes for s in r.stops]
    log_recipient_reads(
        session, principal=principal, recipient_ids=ids, action="read plan", path=request.url.path
    )
    session.commit()
    return result


@router.get("/plans/{plan_id}", response_model=PlanPublic, summary="One plan with its routes")
def get_plan(plan_id: IdPath, request: Request, session: SessionDep, principal: CoordinatorDep) -> PlanPublic:
    plan = service.plan_in_scope(session, principal=principal, plan_id=plan_id)
    log_recipient_reads(
        session,
        principal=principal,
        recipient_ids=service.recipients_in_plan(session, plan_id),
        action="read plan",
        path=request.url.path,
    )
    session.commit()
    return service.to_public(session, plan)


@router.post("/plans", response_model=PlanPublic, status_code=201, summary="Store a hand-laid draft plan")
def create_plan(data: ManualPlanCreate, session: SessionDep, principal: CoordinatorDep) -> PlanPublic:
    return service.to_public(session, service.create_manual_plan(session, principal=principal, data=data))


@router.post("/plans/{plan_id}/publish", response_model=PlanPublic, summary="Publish a draft to the carers")
def publish_plan(plan_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> PlanPublic:
    return service.to_public(session, service.publish_plan(session, principal=principal, plan_id=plan_id))


@router.delete("/plans/{plan_id}", status_code=204, summary="Delete a draft")
def delete_plan(plan_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> Response:
    service.delete_draft(session, principal=principal, plan_id=plan_id)
    return Response(status_code=204)


@router.get("/my/routes", response_model=list[CarerRouteView], summary="The carer's own published routes")
def my_routes(
    request: Request, session: SessionDep, principal: CarerDep, date: Day | None = Query(None)
) -> list[CarerRouteView]:
    day: dt.date = date or local_date_of(utcnow())
    routes = service.carer_routes(session, principal=principal, day=day)
    ids = [s.recipient_id for r in routes for s in r.stops]
    log_recipient_reads(
        session, principal=principal, recipient_ids=ids, action="read route", path=request.url.path
    )
    session.commit()
    return routes


@router.post(
    "/visit-events", response_model=VisitEventPublic, summary="Check in, check out or cancel a visit"
)
def post_event(
    data: VisitEventCreate, response: Response, session: SessionDep, principal: CarerDep
) -> VisitEventPublic:
    result = record_event(session, principal=principal, data=data)
    response.status_code = 200 if result.duplicate else 201
    return result
