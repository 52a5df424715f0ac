"""Carers (pleiere): managed by the coordinator of their team."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.auth.models import User
from backend.auth.service import Principal, revoke_all_tokens
from backend.carers.models import Carer, CarerCreate, CarerUpdate
from backend.common.crud import apply_update, get_or_404, require_unique
from backend.common.enums import Role
from backend.common.paging import Page, rows_of
from backend.teams.service import team_in_scope


def carer_in_scope(session: Session, *, principal: Principal, carer_id: int) -> Carer:
    """The carer, if the coordinator is responsible for the carer's team."""
    carer = get_or_404(session, Carer, carer_id, "Pleier")
    principal.require_team(carer.team_id)
    return carer


def list_carers(
    session: Session, *, principal: Principal, team_id: int | None = None, page: Page | None = None
) -> list[Carer]:
    query = select(Carer).order_by(col(Carer.name), col(Carer.id))
    if principal.role == Role.coordinator:
        query = query.where(Carer.team_id.in_(principal.team_ids))  # type: ignore[attr-defined]
    if team_id is not None:
        query = query.where(Carer.team_id == team_id)
    return rows_of(session, query, page)


def _check_refs(
    session: Session,
    principal: Principal,
    team_id: int | None,
    external_id: str | None,
    exclude_id: int | None = None,
) -> None:
    if team_id is not None:
        team_in_scope(session, principal=principal, team_id=team_id)
    require_unique(
        session,
        Carer,
        "external_id",
        external_id,
        exclude_id=exclude_id,
        message=f"Ansattnummer «{external_id}» er allerede i bruk.",
    )


def create_carer(session: Session, *, principal: Principal, data: CarerCreate, commit: bool = True) -> Carer:
    _check_refs(session, principal, data.team_id, data.external_id)
    carer = Carer.model_validate(data)
    session.add(carer)
    if commit:
        session.commit()
        session.refresh(carer)
    else:
        session.flush()
    return carer


def update_carer(session: Session, *, principal: Principal, carer_id: int, data: CarerUpdate) -> Carer:
    carer = carer_in_scope(session, principal=principal, carer_id=carer_id)
    _check_refs(session, principal, data.team_id, data.external_id, exclude_id=carer_id)
    apply_update(carer, data)
    session.add(carer)
    if data.active is False:  # a carer who has left: their tablet login ends with them
        for user in session.exec(select(User).where(User.carer_id == carer_id)):
            user.active = False
            session.add(user)
            revoke_all_tokens(session, user_id=user.id or 0)
    session.commit()
    session.refresh(carer)
    return carer
