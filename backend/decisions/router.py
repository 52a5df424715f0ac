from __future__ import annotations

from fastapi import APIRouter, Query, Response

from backend.audit.deps import RecipientReadsDep
from backend.auth.deps import CoordinatorDep
from backend.common.paging import PageDep
from backend.common.types import MAX_ID, Day, IdPath
from backend.db import SessionDep
from backend.decisions import service
from backend.decisions.expansion import visits_for
from backend.decisions.models import DecisionCreate, DecisionPublic, DecisionUpdate
from backend.teams.service import team_in_scope

router = APIRouter(tags=["vedtak"])


@router.get("/decisions", response_model=list[DecisionPublic], summary="List vedtak")
def list_decisions(
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
    page: PageDep,
    recipient_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> list[DecisionPublic]:
    rows = service.list_decisions(session, principal=principal, recipient_id=recipient_id, page=page)
    reads([d.recipient_id for d in rows], "read decisions")
    return [service.to_public(session, d) for d in rows]


@router.get("/decisions/{decision_id}", response_model=DecisionPublic, summary="One vedtak")
def get_decision(
    decision_id: IdPath,
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
) -> DecisionPublic:
    decision = service.decision_in_scope(session, principal=principal, decision_id=decision_id)
    reads([decision.recipient_id], "read decision")
    return service.to_public(session, decision)


@router.post("/decisions", response_model=DecisionPublic, status_code=201, summary="Register a vedtak")
def create_decision(
    data: DecisionCreate, session: SessionDep, principal: CoordinatorDep, reads: RecipientReadsDep
) -> DecisionPublic:
    decision = service.create_decision(session, principal=principal, data=data)
    reads([decision.recipient_id], "create decision")
    return service.to_public(session, decision)


@router.patch(
    "/decisions/{decision_id}", response_model=DecisionPublic, summary="Set a vedtak's stop date or reference"
)
def update_decision(
    decision_id: IdPath,
    data: DecisionUpdate,
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
) -> DecisionPublic:
    decision = service.update_decision(session, principal=principal, decision_id=decision_id, data=data)
    reads([decision.recipient_id], "update decision")
    return service.to_public(session, decision)


@router.post(
    "/decisions/{decision_id}/change",
    response_model=DecisionPublic,
    status_code=201,
    summary="Change a vedtak from a date: the old one ends the day before, the new one starts then",
)
def change_decision(
    decision_id: IdPath,
    data: DecisionCreate,
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
) -> DecisionPublic:
    decision = service.change_decision_from(session, principal=principal, decision_id=decision_id, data=data)
    reads([decision.recipient_id], "change decision")
    return service.to_public(session, decision)


@router.delete("/decisions/{decision_id}", status_code=204, summary="Delete a vedtak no plan uses")
def delete_decision(decision_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> Response:
    service.delete_decision(session, principal=principal, decision_id=decision_id)
    return Response(status_code=204)


@router.get("/teams/{team_id}/visits", summary="The visits of a team on a date, expanded from vedtak")
def team_visits(
    team_id: IdPath,
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
    date: Day = Query(..., description="Local date (Europe/Oslo)"),
) -> list[dict[str, object]]:
    team_in_scope(session, principal=principal, team_id=team_id)
    visits = visits_for(session, day=date, team_id=team_id)
    reads([v.recipient_id for v in visits], "read day visits")
    return [
        {
            "decision_visit_id": v.decision_visit_id,
            "decision_id": v.decision_id,
            "recipient_id": v.recipient_id,
            "label": v.label,
            "window_start": v.window_start,
            "window_end": v.window_end,
            "window_hard": v.window_hard,
            "latest_start": v.latest_start,
            "minutes": v.minutes,
            "tasks": list(v.task_names),
            "required_competences": sorted(v.required_competences),
            "double_staffed": v.double_staffed,
            "priority": v.priority,
        }
        for v in visits
    ]
