from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Response

from backend.auth.deps import CoordinatorDep
from backend.common.localtime import local_midnight
from backend.common.types import MAX_ID, Day, IdPath
from backend.db import SessionDep
from backend.errors import InvalidInput
from backend.rota import service
from backend.rota.models import AbsenceCreate, AbsencePublic, RotaEntryCreate, RotaEntryPublic

router = APIRouter(tags=["turnus"])


@router.get("/rota", response_model=list[RotaEntryPublic], summary="Shifts on a date")
def list_rota(
    session: SessionDep,
    principal: CoordinatorDep,
    date: Day = Query(..., description="Local date"),
    team_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> list[object]:
    return list(service.list_rota(session, principal=principal, day=date, team_id=team_id))


@router.post("/rota", response_model=RotaEntryPublic, status_code=201, summary="Add a shift")
def add_rota(data: RotaEntryCreate, session: SessionDep, principal: CoordinatorDep) -> object:
    return service.add_rota_entry(session, principal=principal, data=data)


@router.delete("/rota/{entry_id}", status_code=204, summary="Remove a shift")
def delete_rota(entry_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> Response:
    service.delete_rota_entry(session, principal=principal, entry_id=entry_id)
    return Response(status_code=204)


@router.get("/absences", response_model=list[AbsencePublic], summary="Absences overlapping a period")
def list_absences(
    session: SessionDep,
    principal: CoordinatorDep,
    date_from: Day = Query(..., alias="from"),
    date_to: Day = Query(..., alias="to"),
) -> list[object]:
    if date_to < date_from:
        raise InvalidInput("«to» kan ikke være før «from».", field="to")
    if (date_to - date_from).days > 366:
        raise InvalidInput("Perioden kan være høyst ett år.", field="to")
    return list(
        service.list_absences(
            session,
            principal=principal,
            start=local_midnight(date_from),
            end=local_midnight(date_to + dt.timedelta(days=1)),
        )
    )


@router.post("/absences", response_model=AbsencePublic, status_code=201, summary="Register an absence")
def add_absence(data: AbsenceCreate, session: SessionDep, principal: CoordinatorDep) -> object:
    return service.add_absence(session, principal=principal, data=data)


@router.delete("/absences/{absence_id}", status_code=204, summary="Remove an absence")
def delete_absence(absence_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> Response:
    service.delete_absence(session, principal=principal, absence_id=absence_id)
    return Response(status_code=204)
