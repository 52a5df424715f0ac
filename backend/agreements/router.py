from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request, Response

from backend.agreements import service
from backend.agreements.models import (
    Agreement,
    ProposalPublic,
    ProposalRun,
    ProposalRunCreate,
    ProposalRunPublic,
    Rejection,
)
from backend.agreements.staffing import needs_of, to_csv
from backend.audit.deps import RecipientReadsDep
from backend.auth.deps import CoordinatorDep
from backend.common.types import MAX_ID, Day, IdPath, utcnow
from backend.db import SessionDep
from backend.errors import InvalidInput, NotFound
from backend.jobs.models import JobPublic
from backend.jobs.runner import enqueue
from backend.teams.service import team_in_scope

router = APIRouter(tags=["avtalte tider"])


def monday_of_week(day: dt.date, field: str = "monday") -> dt.date:
    """Proposals are for a week of standing agreements: it starts on a Monday."""
    if day.isoweekday() != 1:
        raise InvalidInput(
            f"{day:%d.%m.%Y} er ikke en mandag; forslag gjelder en uke fra mandag.", field=field
        )
    return day


@router.post(
    "/agreements/runs",
    response_model=JobPublic,
    status_code=202,
    summary="Find agreed times that do not fit a team's week, and propose new ones",
)
def start_run(
    data: ProposalRunCreate, request: Request, session: SessionDep, principal: CoordinatorDep
) -> object:
    team_in_scope(session, principal=principal, team_id=data.team_id)
    monday = monday_of_week(data.monday)
    return enqueue(
        session,
        request.app.state.job_runner,
        name="propose_times",
        args={"team_id": data.team_id, "monday": monday.isoformat(), "created_by": principal.user_id},
        created_by=principal.user_id,
    )


def _run(session: SessionDep, principal: CoordinatorDep, team_id: int, monday: dt.date) -> ProposalRun:
    run = service.latest_run(session, principal=principal, team_id=team_id, monday=monday_of_week(monday))
    if run is None:
        raise NotFound("Ingen forslag for denne uken ennå. Start «Finn forslag».")
    return run


@router.get(
    "/agreements/runs/latest", response_model=ProposalRunPublic, summary="The week's latest proposals"
)
def latest_run(
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
    team_id: int = Query(..., ge=1, le=MAX_ID),
    monday: Day = Query(...),
) -> ProposalRunPublic:
    result = service.run_public(session, _run(session, principal, team_id, monday))
    reads([p.recipient_id for p in result.proposals], "read agreed-time proposals")
    return result


@router.get(
    "/agreements/staffing.csv", summary="Staffing advice per 30 minutes as CSV", response_class=Response
)
def staffing_csv(
    session: SessionDep,
    principal: CoordinatorDep,
    team_id: int = Query(..., ge=1, le=MAX_ID),
    monday: Day = Query(...),
) -> Response:
    run = _run(session, principal, team_id, monday)
    return Response(
        to_csv(needs_of(run.staffing)).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="bemanningsbehov-{run.monday.isoformat()}.csv"'
        },
    )


@router.post(
    "/agreements/proposals/{proposal_id}/accept",
    response_model=ProposalPublic,
    summary="The recipient agreed",
)
def accept(
    proposal_id: IdPath, data: Agreement, request: Request, session: SessionDep, principal: CoordinatorDep
) -> object:
    return service.accept_proposal(
        session,
        principal=principal,
        proposal_id=proposal_id,
        data=data,
        now=utcnow(),
        settings=request.app.state.settings,
        path=request.url.path,
    )


@router.post(
    "/agreements/proposals/{proposal_id}/reject",
    response_model=ProposalPublic,
    summary="Keep the agreed time",
)
def reject(proposal_id: IdPath, data: Rejection, session: SessionDep, principal: CoordinatorDep) -> object:
    return service.reject_proposal(
        session, principal=principal, proposal_id=proposal_id, data=data, now=utcnow()
    )
