from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from sqlmodel import col, select

from backend.audit.models import AccessLog, AccessLogPublic
from backend.auth import service
from backend.auth.deps import AdminDep, PrincipalDep, token_from_request
from backend.auth.models import TokenResponse, User, UserCreate, UserPublic, UserUpdate
from backend.common.types import MAX_ID, IdPath
from backend.db import SessionDep
from backend.municipality.models import MunicipalitySettingsPublic, MunicipalitySettingsUpdate
from backend.municipality.service import get_municipality_settings, update_municipality_settings

router = APIRouter(tags=["innlogging og administrasjon"])


@router.post("/auth/token", response_model=TokenResponse, summary="Log in; returns a bearer token")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(min_length=1, max_length=100)],
    password: Annotated[str, Form(min_length=1, max_length=200)],
) -> TokenResponse:
    user = service.authenticate(session, username=username, password=password)
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


@router.get("/users", response_model=list[UserPublic], summary="List logins")
def list_users(session: SessionDep, _: AdminDep) -> list[UserPublic]:
    return [service.to_public(session, u) for u in session.exec(select(User).order_by(col(User.username)))]


@router.post("/users", response_model=UserPublic, status_code=201, summary="Create a login")
def create_user(data: UserCreate, session: SessionDep, _: AdminDep) -> UserPublic:
    return service.to_public(session, service.create_user(session, data=data))


@router.patch("/users/{user_id}", response_model=UserPublic, summary="Change a login")
def update_user(user_id: IdPath, data: UserUpdate, session: SessionDep, _: AdminDep) -> UserPublic:
    return service.to_public(session, service.update_user(session, user_id=user_id, data=data))


@router.get("/settings", response_model=MunicipalitySettingsPublic, summary="Municipality settings")
def get_settings(request: Request, session: SessionDep, _: AdminDep) -> object:
    return get_municipality_settings(session, default_name=request.app.state.settings.municipality_name)


@router.put("/settings", response_model=MunicipalitySettingsPublic, summary="Change municipality settings")
def put_settings(data: MunicipalitySettingsUpdate, session: SessionDep, _: AdminDep) -> object:
    return update_municipality_settings(session, data=data)


@router.get("/access-log", response_model=list[AccessLogPublic], summary="Who read which recipient's data")
def access_log(
    session: SessionDep,
    _: AdminDep,
    recipient_id: int | None = Query(None, ge=1, le=MAX_ID),
    user_id: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Query(200, ge=1, le=5000),
) -> list[AccessLog]:
    query = select(AccessLog).order_by(col(AccessLog.id).desc()).limit(limit)
    if recipient_id is not None:
        query = query.where(AccessLog.recipient_id == recipient_id)
    if user_id is not None:
        query = query.where(AccessLog.user_id == user_id)
    return list(session.exec(query))
