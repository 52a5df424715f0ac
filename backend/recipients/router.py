from __future__ import annotations

from fastapi import APIRouter, Query, Response

from backend.audit.deps import RecipientReadsDep
from backend.auth.deps import CoordinatorDep
from backend.common.paging import PageDep
from backend.common.types import MAX_ID, IdPath
from backend.db import SessionDep
from backend.recipients import service
from backend.recipients.models import (
    NextOfKinCreate,
    NextOfKinPublic,
    RecipientCreate,
    RecipientPublic,
    RecipientUpdate,
)

router = APIRouter(prefix="/recipients", tags=["brukere"])


@router.get("", response_model=list[RecipientPublic], summary="List recipients of own teams")
def list_recipients(
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
    page: PageDep,
    team_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> list[RecipientPublic]:
    rows = service.list_recipients(session, principal=principal, team_id=team_id, page=page)
    result = [service.to_public(session, r) for r in rows]
    reads([r.id for r in result], "list")
    return result


@router.get("/{recipient_id}", response_model=RecipientPublic, summary="One recipient")
def get_recipient(
    recipient_id: IdPath,
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
) -> RecipientPublic:
    recipient = service.recipient_in_scope(session, principal=principal, recipient_id=recipient_id)
    reads([recipient_id], "read")
    return service.to_public(session, recipient)


@router.post("", response_model=RecipientPublic, status_code=201, summary="Add a recipient")
def create_recipient(
    data: RecipientCreate, session: SessionDep, principal: CoordinatorDep, reads: RecipientReadsDep
) -> RecipientPublic:
    created = service.to_public(session, service.create_recipient(session, principal=principal, data=data))
    reads([created.id], "create")
    return created


@router.patch("/{recipient_id}", response_model=RecipientPublic, summary="Change a recipient")
def update_recipient(
    recipient_id: IdPath,
    data: RecipientUpdate,
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
) -> RecipientPublic:
    recipient = service.update_recipient(session, principal=principal, recipient_id=recipient_id, data=data)
    reads([recipient_id], "update")
    return service.to_public(session, recipient)


@router.delete(
    "/{recipient_id}", response_model=RecipientPublic, summary="Deactivate a recipient (record kept)"
)
def deactivate_recipient(
    recipient_id: IdPath, session: SessionDep, principal: CoordinatorDep, reads: RecipientReadsDep
) -> RecipientPublic:
    recipient = service.update_recipient(
        session, principal=principal, recipient_id=recipient_id, data=RecipientUpdate(active=False)
    )
    reads([recipient_id], "deactivate")
    return service.to_public(session, recipient)


@router.post(
    "/{recipient_id}/next-of-kin", response_model=NextOfKinPublic, status_code=201, summary="Add next of kin"
)
def add_next_of_kin(
    recipient_id: IdPath,
    data: NextOfKinCreate,
    session: SessionDep,
    principal: CoordinatorDep,
    reads: RecipientReadsDep,
) -> object:
    kin = service.add_next_of_kin(session, principal=principal, recipient_id=recipient_id, data=data)
    reads([recipient_id], "add next of kin")
    return kin


@router.delete("/{recipient_id}/next-of-kin/{kin_id}", status_code=204, summary="Remove next of kin")
def remove_next_of_kin(
    recipient_id: IdPath, kin_id: IdPath, session: SessionDep, principal: CoordinatorDep
) -> Response:
    service.remove_next_of_kin(session, principal=principal, recipient_id=recipient_id, kin_id=kin_id)
    return Response(status_code=204)
