from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from backend.auth.deps import CoordinatorDep
from backend.common.crud import get_or_404
from backend.common.types import Day, IdField, IdPath
from backend.db import SessionDep
from backend.errors import Forbidden
from backend.jobs.models import JobPublic, JobRecord
from backend.jobs.runner import enqueue
from backend.teams.service import team_in_scope

router = APIRouter(prefix="/jobs", tags=["jobber"])


class PrepareDayIn(BaseModel):
    date: Day
    team_id: IdField


@router.post(
    "/prepare-day", response_model=JobPublic, status_code=202, summary="Collect a day's visits and carers"
)
def prepare_day(
    data: PrepareDayIn, request: Request, session: SessionDep, principal: CoordinatorDep
) -> object:
    team_in_scope(session, principal=principal, team_id=data.team_id)
    return enqueue(
        session,
        request.app.state.job_runner,
        name="prepare_day",
        args={"date": data.date.isoformat(), "team_id": data.team_id},
        created_by=principal.user_id,
    )


@router.get("/{job_id}", response_model=JobPublic, summary="A job's status and result")
def get_job(job_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> object:
    record = get_or_404(session, JobRecord, job_id, "Jobb")
    if record.created_by != principal.user_id:
        raise Forbidden("Du kan bare se jobber du selv har startet.")
    return record
