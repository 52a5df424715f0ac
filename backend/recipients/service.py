"""Recipients (tjenestemottakere): coordinator-only, every read access-logged."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.common.crud import apply_update, get_or_404, require_unique
from backend.common.paging import Page, rows_of
from backend.errors import InvalidInput
from backend.recipients.models import (
    NextOfKin,
    NextOfKinCreate,
    NextOfKinPublic,
    Recipient,
    RecipientCreate,
    RecipientPublic,
    RecipientUpdate,
)
from backend.teams.service import team_in_scope


def recipient_in_scope(session: Session, *, principal: Principal, recipient_id: int) -> Recipient:
    recipient = get_or_404(session, Recipient, recipient_id, "Bruker")
    principal.require_team(recipient.team_id)
    return recipient


def to_public(session: Session, recipient: Recipient) -> RecipientPublic:
    kin = session.exec(
        select(NextOfKin).where(NextOfKin.recipient_id == recipient.id).order_by(col(NextOfKin.id))
    )
    return RecipientPublic(
        **recipient.model_dump(), next_of_kin=[NextOfKinPublic.model_validate(k) for k in kin]
    )


def list_recipients(
    session: Session, *, principal: Principal, team_id: int | None, page: Page | None = None
) -> list[Recipient]:
    query = (
        select(Recipient)
        .where(col(Recipient.team_id).in_(principal.team_ids))
        .order_by(col(Recipient.name), col(Recipient.id))
    )
    if team_id is not None:
        query = query.where(Recipient.team_id == team_id)
    return rows_of(session, query, page)


def _check_refs(
    session: Session,
    principal: Principal,
    *,
    team_id: int | None,
    primary_carer_id: int | None,
    external_id: str | None,
    exclude_id: int | None = None,
) -> None:
    if team_id is not None:
        team_in_scope(session, principal=principal, team_id=team_id)
    carer = None if primary_carer_id is None else session.get(Carer, primary_carer_id)
    if primary_carer_id is not None and (carer is None or carer.team_id != team_id):
        # another team's carer is not named: the coordinator may not see that team
        raise InvalidInput(
            f"Primærkontakt: pleier {primary_carer_id} finnes ikke i brukerens team.",
            field="primary_carer_id",
        )
    require_unique(
        session,
        Recipient,
        "external_id",
        external_id,
        exclude_id=exclude_id,
        message=f"Brukernummer «{external_id}» er allerede i bruk.",
    )


def create_recipient(
    session: Session, *, principal: Principal, data: RecipientCreate, commit: bool = True
) -> Recipient:
    _check_refs(
        session,
        principal,
        team_id=data.team_id,
        primary_carer_id=data.primary_carer_id,
        external_id=data.external_id,
    )
    recipient = Recipient.model_validate(data.model_dump(exclude={"next_of_kin"}))
    session.add(recipient)
    session.flush()
    assert recipient.id is not None
    for kin in data.next_of_kin:
        session.add(NextOfKin(recipient_id=recipient.id, **kin.model_dump()))
    if commit:
        session.commit()
        session.refresh(recipient)
    return recipient


def update_recipient(
    session: Session, *, principal: Principal, recipient_id: int, data: RecipientUpdate
) -> Recipient:
    recipient = recipient_in_scope(session, principal=principal, recipient_id=recipient_id)
    sent = data.model_dump(exclude_unset=True)
    _check_refs(
        session,
        principal,
        team_id=data.team_id if data.team_id is not None else recipient.team_id,
        primary_carer_id=sent.get("primary_carer_id", recipient.primary_carer_id),
        external_id=None,  # not changeable through the API
    )
    apply_update(recipient, data)
    session.add(recipient)
    session.commit()
    session.refresh(recipient)
    return recipient


def add_next_of_kin(
    session: Session, *, principal: Principal, recipient_id: int, data: NextOfKinCreate
) -> NextOfKin:
    recipient_in_scope(session, principal=principal, recipient_id=recipient_id)
    kin = NextOfKin(recipient_id=recipient_id, **data.model_dump())
    session.add(kin)
    session.commit()
    session.refresh(kin)
    return kin


def remove_next_of_kin(session: Session, *, principal: Principal, recipient_id: int, kin_id: int) -> None:
    recipient_in_scope(session, principal=principal, recipient_id=recipient_id)
    kin = get_or_404(session, NextOfKin, kin_id, "Pårørende")
    if kin.recipient_id != recipient_id:
        raise InvalidInput(f"Pårørende {kin_id} hører ikke til bruker {recipient_id}.")
    session.delete(kin)
    session.commit()
