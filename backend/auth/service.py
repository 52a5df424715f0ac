"""Logins, tokens and the principal (who is asking, in which role, for which teams). Creating and changing
logins is the admin's (backend.admin)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from backend.auth.models import ApiToken, CoordinatorTeam, User, UserPublic
from backend.auth.passwords import hash_password, verify_password
from backend.auth.throttle import record_failure, record_success, refuse_if_waiting, throttle_keys
from backend.common.enums import Role
from backend.common.types import utcnow
from backend.errors import Forbidden, NotAuthenticated


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


@functools.cache
def _stand_in_hash() -> str:
    """A hash to check unknown usernames against, so they cost the same as known ones (no telling which
    usernames exist by timing)."""
    return hash_password(secrets.token_urlsafe(16))


def authenticate(session: Session, *, username: str, password: str, address: str | None = None) -> User:
    """The login behind a username and password, within the back-off its failures have earned."""
    keys = throttle_keys(username, address)
    refuse_if_waiting(session, keys)
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    password_ok = verify_password(user.password_hash if user else _stand_in_hash(), password)
    if user is None or not user.active or not password_ok:
        record_failure(session, keys)
        raise NotAuthenticated("Feil brukernavn eller passord.")
    record_success(session, username)
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


def revoke_all_tokens(session: Session, *, user_id: int) -> None:
    """Every session and token of the user ends (in the caller's transaction)."""
    for row in session.exec(
        select(ApiToken).where(ApiToken.user_id == user_id, col(ApiToken.revoked).is_(False))
    ):
        row.revoked = True
        session.add(row)


def team_ids_of(session: Session, user_id: int) -> frozenset[int]:
    return frozenset(session.exec(select(CoordinatorTeam.team_id).where(CoordinatorTeam.user_id == user_id)))


def principal_for_token(session: Session, *, token: str) -> Principal:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None or row.revoked or row.expires_at <= utcnow():
        raise NotAuthenticated("Innloggingen er utløpt eller ugyldig. Logg inn på nytt.")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotAuthenticated("Brukeren er deaktivert.")
    return principal_of(session, user)


def principal_of(session: Session, user: User) -> Principal:
    """What the user may do, as every request (and a job acting for them) sees it."""
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
        single_sign_on=user.oidc_subject is not None,
    )
