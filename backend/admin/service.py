"""Creating and changing logins: a carer login belongs to an existing carer, coordinators and managers to
existing teams."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.auth.models import CoordinatorTeam, User, UserCreate, UserUpdate
from backend.auth.passwords import hash_password
from backend.auth.service import revoke_all_tokens
from backend.carers.models import Carer
from backend.common.enums import Role
from backend.errors import Conflict, InvalidInput, NotFound
from backend.teams.models import Team


def _set_teams(session: Session, user: User, team_ids: list[int]) -> None:
    assert user.id is not None
    if team_ids and user.role not in (Role.coordinator, Role.manager):
        raise InvalidInput("Bare fagkoordinatorer og ledere knyttes til team.", field="team_ids")
    for team_id in team_ids:
        if session.get(Team, team_id) is None:
            raise InvalidInput(f"Team {team_id} finnes ikke.", field="team_ids")
    for link in session.exec(select(CoordinatorTeam).where(CoordinatorTeam.user_id == user.id)):
        session.delete(link)
    session.flush()
    for team_id in sorted(set(team_ids)):
        session.add(CoordinatorTeam(user_id=user.id, team_id=team_id))


def create_user(session: Session, *, data: UserCreate) -> User:
    if session.exec(select(User).where(User.username == data.username)).first() is not None:
        raise Conflict(f"Brukernavnet «{data.username}» er allerede i bruk.", field="username")
    if data.role == Role.carer:
        if data.carer_id is None or session.get(Carer, data.carer_id) is None:
            raise InvalidInput(
                "En pleier-innlogging må knyttes til en eksisterende pleier.", field="carer_id"
            )
        if session.exec(select(User).where(User.carer_id == data.carer_id)).first() is not None:
            raise Conflict("Denne pleieren har allerede en innlogging.", field="carer_id")
    elif data.carer_id is not None:
        raise InvalidInput("Bare pleier-innlogginger knyttes til en pleier.", field="carer_id")
    user = User(
        username=data.username,
        full_name=data.full_name,
        password_hash=hash_password(data.password),
        role=data.role,
        carer_id=data.carer_id,
    )
    session.add(user)
    session.flush()
    _set_teams(session, user, data.team_ids)
    session.commit()
    session.refresh(user)
    return user


def update_user(session: Session, *, user_id: int, data: UserUpdate) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"Bruker {user_id} finnes ikke.")
    if data.full_name is not None:
        user.full_name = data.full_name
    if data.password is not None:
        user.password_hash = hash_password(data.password)
    if data.active is not None:
        user.active = data.active
    if data.password is not None or data.active is False or data.team_ids is not None:
        revoke_all_tokens(session, user_id=user_id)  # a reset, a deactivation or new teams end old sessions
    session.add(user)
    if data.team_ids is not None:
        _set_teams(session, user, data.team_ids)
    session.commit()
    session.refresh(user)
    return user
