from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from backend.auth import service
from backend.auth.deps import PrincipalDep, token_from_request
from backend.auth.models import TokenResponse, User, UserPublic
from backend.db import SessionDep

router = APIRouter(tags=["innlogging og administrasjon"])


@router.post("/auth/token", response_model=TokenResponse, summary="Log in; returns a bearer token")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(min_length=1, max_length=100)],
    password: Annotated[str, Form(min_length=1, max_length=200)],
) -> TokenResponse:
    address = request.client.host if request.client else None
    user = service.authenticate(session, username=username, password=password, address=address)
    token, row = service.issue_token(session, user=user, ttl_hours=request.app.state.settings.token_ttl_hours)
    return TokenResponse(access_token=token, expires_at=row.expires_at, role=user.role)


@router.post(
    "/auth/session-token",
    response_model=TokenResponse,
    summary="Hand the web session over to the carer app: a token of its own, never the password",
)
def session_token(request: Request, session: SessionDep, principal: PrincipalDep) -> TokenResponse:
    """«Åpne kjørelisten» after logging in on the web pages must not ask for the password again: the app
    posts here with the session cookie (and the CSRF header cookie posts need) and keeps the token."""
    user = session.get(User, principal.user_id)
    assert user is not None
    token, row = service.issue_token(session, user=user, ttl_hours=request.app.state.settings.token_ttl_hours)
    return TokenResponse(access_token=token, expires_at=row.expires_at, role=user.role)


@router.post("/auth/logout", status_code=204, summary="End this token or session")
def logout(request: Request, session: SessionDep, _: PrincipalDep) -> Response:
    token, _cookie = token_from_request(request)
    if token:
        service.revoke_token(session, token=token)
    return Response(status_code=204)


@router.get("/auth/me", response_model=UserPublic, summary="Who am I")
def me(session: SessionDep, principal: PrincipalDep) -> UserPublic:
    user = session.get(User, principal.user_id)
    assert user is not None
    return service.to_public(session, user)
