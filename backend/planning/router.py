from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from backend.audit.deps import RecipientReadsDep
from backend.auth.deps import CoordinatorDep
from backend.common.crud import get_or_404
from backend.common.enums import PlanStatus
from backend.common.hooks import HooksDep
from backend.common.types import MAX_ID, Day, IdPath
from backend.db import SessionDep
from backend.errors import Conflict, InvalidInput
from backend.jobs.models import JobPublic
from backend.jobs.runner import enqueue
from backend.planning import commands, edits, service
from backend.planning.continuity import weekly_continuity
from backend.planning.deps import PlanInScopeDep
from backend.planning.load import peak_load
from backend.planning.models import (
    ContinuityRow,
    InsertOption,
    LoadSlotPublic,
    ManualPlanCreate,
    PinIn,
    PlanEditIn,
    PlanningRunCreate,
    PlanPublic,
    PublishIn,
    ReplanCreate,
    StopPublic,
)
from backend.planning.week import ShiftOfDay, team_week
from backend.teams.models import Team
from backend.teams.service import team_in_scope

router = APIRouter(tags=["kjørelister"])


@router.get("/plans", response_model=list[PlanPublic], summary="Plans of a date")
def list_plans(
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
    date: Day = Query(...),
    team_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> list[PlanPublic]:
    plans = service.list_plans(session, principal=principal, day=date, team_id=team_id)
    result = [service.to_public(session, p) for p in plans]
    ids = [s.recipient_id for p in result for r in p.routes for s in r.stops]
    reads(ids, "read plan")
    return result


@router.get("/plans/{plan_id}", response_model=PlanPublic, summary="One plan with its routes")
def get_plan(plan: PlanInScopeDep, session: SessionDep, reads: RecipientReadsDep) -> PlanPublic:
    reads(service.recipients_in_plan(session, plan.id or 0), "read plan")
    return service.to_public(session, plan)


@router.post("/plans", response_model=PlanPublic, status_code=201, summary="Store a hand-laid draft plan")
def create_plan(
    data: ManualPlanCreate, request: Request, session: SessionDep, principal: CoordinatorDep
) -> PlanPublic:
    plan = service.create_manual_plan(
        session, principal=principal, data=data, settings=request.app.state.settings
    )
    return service.to_public(session, plan)


@router.post("/plans/{plan_id}/publish", response_model=PlanPublic, summary="Publish a draft to the carers")
def publish_plan(
    plan_id: IdPath,
    request: Request,
    session: SessionDep,
    principal: CoordinatorDep,
    hooks: HooksDep,
    data: PublishIn | None = None,
) -> PlanPublic:
    plan = service.publish_plan(
        session,
        principal=principal,
        plan_id=plan_id,
        confirm=data is not None and data.confirm,
        on_publish=hooks.publish,
    )
    request.app.state.notice_sender.kick()
    return service.to_public(session, plan)


@router.post(
    "/plans/{plan_id}/edits",
    response_model=PlanPublic,
    status_code=201,
    summary="A hand edit (move, take out, put in a visit) as a new draft, checked by routing.check",
)
def edit_plan(
    plan_id: IdPath,
    data: PlanEditIn,
    request: Request,
    session: SessionDep,
    principal: CoordinatorDep,
    hooks: HooksDep,
    reads: RecipientReadsDep,
) -> PlanPublic:
    assert hooks.stop_progress is not None, "the app wires visit progress (backend.app)"
    plan = edits.apply_edit(
        session,
        principal=principal,
        plan_id=plan_id,
        edit=data,
        status_of=hooks.stop_progress,
        settings=request.app.state.settings,
    )
    reads(service.recipients_in_plan(session, plan.id or 0), "edit plan")
    return service.to_public(session, plan)


@router.get(
    "/plans/{plan_id}/insert-options",
    response_model=list[InsertOption],
    summary="Where an unassigned visit fits, the least added travel first",
)
def insert_options(
    plan_id: IdPath,
    request: Request,
    session: SessionDep,
    principal: CoordinatorDep,
    hooks: HooksDep,
    decision_visit_id: int = Query(..., ge=1, le=MAX_ID),
) -> list[InsertOption]:
    assert hooks.stop_progress is not None, "the app wires visit progress (backend.app)"
    return edits.insert_options(
        session,
        principal=principal,
        plan_id=plan_id,
        decision_visit_id=decision_visit_id,
        status_of=hooks.stop_progress,
        settings=request.app.state.settings,
    )


@router.post(
    "/plans/{plan_id}/stops/{stop_id}/pin",
    response_model=StopPublic,
    summary="«Fest» / «Løsne»: keep a visit with its carer when the rest is optimised",
)
def pin_stop(
    plan_id: IdPath, stop_id: IdPath, data: PinIn, session: SessionDep, principal: CoordinatorDep
) -> StopPublic:
    stop = service.pin_stop(
        session,
        principal=principal,
        plan_id=plan_id,
        stop_id=stop_id,
        pinned=data.pinned,
        keep_time=data.keep_time,
    )
    return StopPublic.model_validate(stop)


@router.delete("/plans/{plan_id}", status_code=204, summary="Delete a draft")
def delete_plan(plan_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> Response:
    service.delete_draft(session, principal=principal, plan_id=plan_id)
    return Response(status_code=204)


@router.post(
    "/planning/runs",
    response_model=JobPublic,
    status_code=202,
    summary="Lag kjørelister for a shift and teams",
)
def start_planning(
    data: PlanningRunCreate, request: Request, session: SessionDep, principal: CoordinatorDep
) -> object:
    team_ids = sorted(set(data.team_ids)) or sorted(principal.team_ids)
    for team_id in team_ids:
        team_in_scope(session, principal=principal, team_id=team_id)
    if not team_ids:
        raise InvalidInput("Velg minst ett team.", field="team_ids")
    return enqueue(
        session,
        request.app.state.job_runner,
        name="plan_day",
        args={
            "date": data.date.isoformat(),
            "shift_kind": data.shift_kind.value,
            "team_ids": team_ids,
            "created_by": principal.user_id,
        },
        created_by=principal.user_id,
    )


@router.post(
    "/plans/{plan_id}/replan",
    response_model=JobPublic,
    status_code=202,
    summary="Re-plan the rest of the day (sick carer, urgent visit)",
)
def start_replan(
    plan: PlanInScopeDep, data: ReplanCreate, request: Request, session: SessionDep, principal: CoordinatorDep
) -> object:
    if plan.status == PlanStatus.superseded:
        raise Conflict("Planen er erstattet av en nyere; planlegg om fra den publiserte planen.")
    from_instant = commands.replan_start(plan, data.from_time)
    # validate everything the request carries before writing any of it (no absence without its re-plan)
    if data.absent_carer_id is not None:
        commands.check_sick(session, plan=plan, carer_id=data.absent_carer_id)
    if data.urgent_visit is not None:
        commands.check_urgent_visit(session, plan=plan, data=data.urgent_visit)
    if data.absent_carer_id is not None:
        commands.report_sick(
            session, principal=principal, plan=plan, carer_id=data.absent_carer_id, from_instant=from_instant
        )
    if data.urgent_visit is not None:
        commands.add_urgent_visit(session, principal=principal, plan=plan, data=data.urgent_visit)
    return enqueue(
        session,
        request.app.state.job_runner,
        name="replan",
        args={"plan_id": plan.id, "from_time": from_instant.isoformat(), "created_by": principal.user_id},
        created_by=principal.user_id,
    )


@router.get("/plans/{plan_id}/load", response_model=list[LoadSlotPublic], summary="Peak load per 30 minutes")
def plan_load(plan: PlanInScopeDep, session: SessionDep) -> list[LoadSlotPublic]:
    team = get_or_404(session, Team, plan.team_id, "Team")
    slots = peak_load(session, day=plan.date, shift_kind=plan.shift_kind, team=team, plan=plan)
    return [LoadSlotPublic(**slot.__dict__, overloaded=slot.overloaded) for slot in slots]


@router.get(
    "/teams/{team_id}/week",
    response_model=list[ShiftOfDay],
    summary="The team's next seven days: carers on shift, visits, plans, unassigned, overloaded half-hours",
)
def team_week_view(
    team_id: IdPath, session: SessionDep, principal: CoordinatorDep, date: Day = Query(...)
) -> list[ShiftOfDay]:
    team = team_in_scope(session, principal=principal, team_id=team_id)
    return team_week(session, team=team, start=date)


@router.get(
    "/teams/{team_id}/continuity",
    response_model=list[ContinuityRow],
    summary="Distinct carers per recipient in a week",
)
def team_continuity(
    team_id: IdPath,
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
    date: Day = Query(...),
) -> list[ContinuityRow]:
    team_in_scope(session, principal=principal, team_id=team_id)
    rows = weekly_continuity(session, team_id=team_id, day=date)
    reads([r.recipient_id for r in rows], "read continuity")
    return rows
