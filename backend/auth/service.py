"""Logins, tokens and the principal (who is asking, in which role, for which teams)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from backend.auth.models import ApiToken, CoordinatorTeam, User, UserCreate, UserPublic, UserUpdate
from backend.auth.passwords import hash_password, verify_password
from backend.carers.models import Carer
from backend.common.enums import Role
from backend.common.types import utcnow
from backend.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from backend.teams.models import Team


@dataclass(frozen=True)
class Principal:
    """The authenticated staff member behind a request."""

    user_id: int
    username: str
    role: Role
    team_ids: frozenset[int]
    carer_id: int | None

    def require_team(self, team_id: int) -> None:
        """Coordinators act only within their own teams."""
        if self.role != Role.coordinator or team_id not in self.team_ids:
            raise Forbidden("Du har ikke tilgang til dette teamet.")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session: Session, *, username: str, password: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise NotAuthenticated("Feil brukernavn eller passord.")
    return user


def issue_token(session: Session, *, user: User, ttl_hours: int) -> tuple[str, ApiToken]:
    """A fresh random token; only its hash is stored so a database leak yields no sessions."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=_token_hash(token), user_id=user.id, expires_at=utcnow() + dt.timedelta(hours=ttl_hours)
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return token, row


def revoke_token(session: Session, *, token: str) -> None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is not None:
        row.revoked = True
        session.add(row)
        session.commit()


def team_ids_of(session: Session, user_id: int) -> frozenset[int]:
    return frozenset(session.exec(select(CoordinatorTeam.team_id).where(CoordinatorTeam.user_id == user_id)))


def principal_for_token(session: Session, *, token: str) -> Principal:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None or row.revoked or row.expires_at <= utcnow():
        raise NotAuthenticated("Innloggingen er utløpt eller ugyldig. Logg inn på nytt.")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotAuthenticated("Brukeren er deaktivert.")
    assert user.id is not None
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        team_ids=team_ids_of(session, user.id),
        carer_id=user.carer_id,
    )


def to_public(session: Session, user: User) -> UserPublic:
    assert user.id is not None
    return UserPublic(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        carer_id=user.carer_id,
        active=user.active,
        team_ids=sorted(team_ids_of(session, user.id)),
    )


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
    session.add(user)
    if data.team_ids is not None:
        _set_teams(session, user, data.team_ids)
    session.commit()
    session.refresh(user)
    return user
