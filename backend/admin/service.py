"""Creating and changing logins: a carer login belongs to an existing carer, coordinators and managers to
existing teams."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.audit.service import log_admin_action
from backend.auth.models import CoordinatorTeam, User, UserCreate, UserUpdate
from backend.auth.passwords import hash_password, password_problem
from backend.auth.service import Principal, revoke_all_tokens
from backend.carers.models import Carer
from backend.common.enums import Role
from backend.errors import Conflict, InvalidInput, NotFound
from backend.teams.models import Team


def set_teams(session: Session, user: User, team_ids: list[int]) -> None:
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


READS_RECIPIENTS = (Role.coordinator, Role.carer)


def _login(user: User) -> str:
    return f"innlogging {user.username} ({user.role.value})"


def create_user(session: Session, *, data: UserCreate, principal: Principal | None = None) -> User:
    """A new login, logged as an admin action; one that reaches recipient data is marked so."""
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
    set_teams(session, user, data.team_ids)
    log_admin_action(
        session,
        principal=principal,
        action="opprettet innlogging",
        target=_login(user) + (f", team {sorted(data.team_ids)}" if data.team_ids else ""),
        grants_access=user.role in READS_RECIPIENTS,
    )
    session.commit()
    session.refresh(user)
    return user


def update_user(
    session: Session, *, user_id: int, data: UserUpdate, principal: Principal | None = None
) -> User:
    """Change a login; a reset password, a reactivation or new teams for a login that reaches recipient
    data is logged as granting access (the admin could log in as it)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"Bruker {user_id} finnes ikke.")
    if data.full_name is not None:
        user.full_name = data.full_name
    if data.password is not None:
        if problem := password_problem(data.password, user.username):
            raise InvalidInput(f"Passordet kan ikke brukes: {problem}.", field="password")
        user.password_hash = hash_password(data.password)
    if data.active is not None:
        user.active = data.active
    if data.password is not None or data.active is False or data.team_ids is not None:
        revoke_all_tokens(session, user_id=user_id)  # a reset, a deactivation or new teams end old sessions
    session.add(user)
    if data.team_ids is not None:
        set_teams(session, user, data.team_ids)
    changed = [name for name, value in data.model_dump(exclude_unset=True).items() if value is not None]
    log_admin_action(
        session,
        principal=principal,
        action="endret innlogging: " + ", ".join(sorted(changed)),
        target=_login(user) + (f", team {sorted(data.team_ids)}" if data.team_ids is not None else ""),
        grants_access=user.role in READS_RECIPIENTS
        and (data.password is not None or data.active is True or bool(data.team_ids)),
    )
    session.commit()
    session.refresh(user)
    return user
