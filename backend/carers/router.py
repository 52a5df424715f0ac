from __future__ import annotations

from fastapi import APIRouter, Query

from backend.auth.deps import CoordinatorDep, StaffReaderDep
from backend.carers import service
from backend.carers.competence import CATALOGUE
from backend.carers.models import CarerCreate, CarerPublic, CarerUpdate
from backend.common.paging import PageDep
from backend.common.types import MAX_ID, IdPath
from backend.db import SessionDep

router = APIRouter(prefix="/carers", tags=["pleiere"])


@router.get("/competences", summary="The competence catalogue (kompetanse)")
def competences(_: StaffReaderDep) -> dict[str, str]:
    return CATALOGUE


@router.get("", response_model=list[CarerPublic], summary="List carers")
def list_carers(
    session: SessionDep,
    principal: StaffReaderDep,
    page: PageDep,
    team_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> list[object]:
    return list(service.list_carers(session, principal=principal, team_id=team_id, page=page))


@router.get("/{carer_id}", response_model=CarerPublic, summary="One carer")
def get_carer(carer_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> object:
    return service.carer_in_scope(session, principal=principal, carer_id=carer_id)


@router.post("", response_model=CarerPublic, status_code=201, summary="Add a carer")
def create_carer(data: CarerCreate, session: SessionDep, principal: CoordinatorDep) -> object:
    return service.create_carer(session, principal=principal, data=data)


@router.patch("/{carer_id}", response_model=CarerPublic, summary="Change a carer")
def update_carer(
    carer_id: IdPath, data: CarerUpdate, session: SessionDep, principal: CoordinatorDep
) -> object:
    return service.update_carer(session, principal=principal, carer_id=carer_id, data=data)


@router.delete("/{carer_id}", response_model=CarerPublic, summary="Deactivate a carer (history is kept)")
def deactivate_carer(carer_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> object:
    return service.update_carer(
        session, principal=principal, carer_id=carer_id, data=CarerUpdate(active=False)
    )
