from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlmodel import col, select

from backend.admin import service
from backend.audit.models import AccessLog, AccessLogPublic, AdminAction, AdminActionPublic
from backend.audit.service import log_admin_action
from backend.auth.deps import AdminDep, AdminOrManagerDep
from backend.auth.models import User, UserCreate, UserPublic, UserUpdate
from backend.auth.service import to_public
from backend.common.paging import PageDep
from backend.common.types import MAX_ID, IdPath
from backend.db import SessionDep
from backend.municipality.models import MunicipalitySettingsPublic, MunicipalitySettingsUpdate
from backend.municipality.service import get_municipality_settings, update_municipality_settings

router = APIRouter(tags=["innlogging og administrasjon"])


@router.get("/users", response_model=list[UserPublic], summary="List logins")
def list_users(session: SessionDep, _: AdminDep, page: PageDep) -> list[UserPublic]:
    return [to_public(session, u) for u in page.rows(session, select(User).order_by(col(User.username)))]


@router.post("/users", response_model=UserPublic, status_code=201, summary="Create a login")
def create_user(data: UserCreate, session: SessionDep, principal: AdminDep) -> UserPublic:
    return to_public(session, service.create_user(session, data=data, principal=principal))


@router.patch("/users/{user_id}", response_model=UserPublic, summary="Change a login")
def update_user(user_id: IdPath, data: UserUpdate, session: SessionDep, principal: AdminDep) -> UserPublic:
    return to_public(session, service.update_user(session, user_id=user_id, data=data, principal=principal))


@router.get("/settings", response_model=MunicipalitySettingsPublic, summary="Municipality settings")
def get_settings(request: Request, session: SessionDep, _: AdminDep) -> object:
    return get_municipality_settings(session, default_name=request.app.state.settings.municipality_name)


@router.put("/settings", response_model=MunicipalitySettingsPublic, summary="Change municipality settings")
def put_settings(data: MunicipalitySettingsUpdate, session: SessionDep, principal: AdminDep) -> object:
    log_admin_action(session, principal=principal, action="endret kommuneinnstillinger", target=data.name)
    return update_municipality_settings(session, data=data)


@router.get(
    "/admin-actions",
    response_model=list[AdminActionPublic],
    summary="What administrators changed (logins, teams, settings); also for the manager",
)
def admin_actions(
    session: SessionDep,
    _: AdminOrManagerDep,
    page: PageDep,
    grants_access: bool | None = Query(None, description="only changes that open recipient data"),
) -> list[AdminAction]:
    query = select(AdminAction).order_by(col(AdminAction.id).desc())
    if grants_access is not None:
        query = query.where(AdminAction.grants_access == grants_access)
    return page.rows(session, query)


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
