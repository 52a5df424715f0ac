"""FastAPI dependencies: who is asking (bearer token or session cookie) and may they."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from backend.auth.service import Principal, principal_for_token
from backend.common.enums import Role
from backend.db import SessionDep
from backend.errors import Forbidden, NotAuthenticated

SESSION_COOKIE = "hjemmerute_session"
CSRF_HEADER = "x-hjemmerute-csrf"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def token_from_request(request: Request) -> tuple[str | None, bool]:
    """The presented token and whether it came from the cookie (which needs CSRF protection)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


def current_principal(request: Request, session: SessionDep) -> Principal:
    token, from_cookie = token_from_request(request)
    if not token:
        raise NotAuthenticated("Du må logge inn.")
    if from_cookie and request.method not in _SAFE_METHODS and request.headers.get(CSRF_HEADER) != "1":
        raise Forbidden("Forespørselen mangler CSRF-merket som nettsidene sender.")
    principal = principal_for_token(session, token=token)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    allowed = frozenset(roles)

    def _check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden("Rollen din gir ikke tilgang til dette.")
        return principal

    return _check


CoordinatorDep = Annotated[Principal, Depends(require_roles(Role.coordinator))]
CarerDep = Annotated[Principal, Depends(require_roles(Role.carer))]
ManagerDep = Annotated[Principal, Depends(require_roles(Role.manager, Role.coordinator))]
AdminDep = Annotated[Principal, Depends(require_roles(Role.admin))]
# what admins changed is shown to the manager too: who grants access is not alone in seeing it
AdminOrManagerDep = Annotated[Principal, Depends(require_roles(Role.admin, Role.manager))]
StaffReaderDep = Annotated[Principal, Depends(require_roles(Role.coordinator, Role.admin))]
