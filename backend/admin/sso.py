"""Logins through the municipality's identity provider (OpenID Connect): the provider's verified claims say
who someone is and, through their groups, what role and teams they have here.

The provider is the source of truth: each sign-on sets the login's role and teams from the groups it
carries now, so someone moved or removed in Entra ID has the change on their next sign-on. A login made by
sign-on is bound to the provider's subject (issuer|sub), never to a username alone: a local login with the
same username is not taken over. Changes that open recipient data are logged as admin actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from backend.admin.service import set_teams
from backend.audit.service import log_admin_action
from backend.auth.models import CoordinatorTeam, User
from backend.auth.service import revoke_all_tokens
from backend.carers.models import Carer
from backend.common.enums import Role
from backend.errors import Forbidden
from backend.settings import Settings
from backend.teams.models import Team

# the strongest role wins when someone is in several mapped groups
ROLE_ORDER = (Role.admin, Role.manager, Role.coordinator, Role.carer)
SSO_ACTOR = "kommunens pålogging (SSO)"
NO_PASSWORD = "!sso"  # not an Argon2 hash: a sign-on login can never log in with a password


def _groups(claims: Mapping[str, Any], settings: Settings) -> set[str]:
    value = claims.get(settings.oidc_groups_claim, [])
    return {value} if isinstance(value, str) else {str(v) for v in value or []}


def role_and_team_names(claims: Mapping[str, Any], settings: Settings) -> tuple[Role, set[str]]:
    """The role and team names the claims' groups map to; Forbidden when no group gives access."""
    groups = _groups(claims, settings)
    roles = {Role(settings.oidc_group_roles[g]) for g in groups if g in settings.oidc_group_roles}
    if not roles:
        raise Forbidden(
            "Kontoen din er ikke gitt tilgang til hjemmerute. Be IT om å legge deg i riktig gruppe."
        )
    role = next(r for r in ROLE_ORDER if r in roles)
    teams = {name for g in groups for name in settings.oidc_group_teams.get(g, [])}
    return role, teams


def _team_ids(session: Session, role: Role, names: set[str]) -> list[int]:
    if role not in (Role.coordinator, Role.manager):
        return []
    ids = [t.id or 0 for t in session.exec(select(Team).where(col(Team.name).in_(sorted(names))))]
    if not ids:
        raise Forbidden("Gruppene dine gir ikke tilgang til noe team i hjemmerute. Kontakt IT.")
    return sorted(ids)


def _carer_id(session: Session, role: Role, claims: Mapping[str, Any], settings: Settings) -> int | None:
    if role != Role.carer:
        return None
    number = str(claims.get(settings.oidc_employee_claim) or "").strip()
    carer = (
        session.exec(select(Carer).where(Carer.external_id == number, col(Carer.active))).first()
        if number
        else None
    )
    if carer is None:
        raise Forbidden(
            "Ansattnummeret ditt er ikke registrert på noen pleier i hjemmerute. Kontakt koordinator."
        )
    return carer.id


def _username(claims: Mapping[str, Any], settings: Settings) -> str:
    name = str(claims.get(settings.oidc_username_claim) or claims.get("email") or claims["sub"])
    return name.strip().lower()[:100]


def signed_on_user(session: Session, *, claims: Mapping[str, Any], settings: Settings) -> User:
    """The login for verified ID-token claims: made on the first sign-on, brought in line with the groups on
    every later one (tokens revoked when access shrinks). Commits."""
    subject = f"{claims['iss']}|{claims['sub']}"
    role, team_names = role_and_team_names(claims, settings)
    team_ids = _team_ids(session, role, team_names)
    carer_id = _carer_id(session, role, claims, settings)
    user = session.exec(select(User).where(User.oidc_subject == subject)).first()
    if user is None:
        username = _username(claims, settings)
        if session.exec(select(User).where(User.username == username)).first() is not None:
            raise Forbidden(
                f"Det finnes alt en lokal innlogging «{username}». En administrator må fjerne eller gi den nytt "
                "navn før du kan logge inn med kommunens pålogging."
            )
        user = User(
            username=username,
            full_name=str(claims.get(settings.oidc_name_claim) or username)[:200],
            password_hash=NO_PASSWORD,
            role=role,
            oidc_subject=subject,
        )
        session.add(user)
        session.flush()
        action = "created by sign-on"
    elif not user.active:
        raise Forbidden("Innloggingen din er deaktivert i hjemmerute. Kontakt administrator.")
    else:
        action = "changed by sign-on"
    _apply(session, user, role=role, team_ids=team_ids, carer_id=carer_id, action=action)
    session.commit()
    session.refresh(user)
    return user


def _apply(
    session: Session, user: User, *, role: Role, team_ids: list[int], carer_id: int | None, action: str
) -> None:
    """Role, teams and carer as the groups say; logged (and old sessions ended) only when something changed."""
    assert user.id is not None
    before = (
        user.role,
        sorted(session.exec(select(CoordinatorTeam.team_id).where(CoordinatorTeam.user_id == user.id))),
        user.carer_id,
    )
    if before == (role, team_ids, carer_id) and action != "created by sign-on":
        return
    if user.carer_id != carer_id and carer_id is not None:
        holder = session.exec(select(User).where(User.carer_id == carer_id, User.id != user.id)).first()
        if holder is not None:
            raise Forbidden(
                "Pleieren med ansattnummeret ditt har alt en annen innlogging. Kontakt administrator."
            )
    user.role, user.carer_id = role, carer_id
    session.add(user)
    session.flush()
    set_teams(session, user, team_ids)
    if action != "created by sign-on":
        revoke_all_tokens(session, user_id=user.id)  # a narrower role must not live on in open sessions
    log_admin_action(
        session,
        principal=None,
        actor=SSO_ACTOR,
        action=f"login {action}",
        target=f"innlogging {user.username} ({role.value}, team {team_ids or '-'})",
        grants_access=role in (Role.coordinator, Role.carer),
    )
