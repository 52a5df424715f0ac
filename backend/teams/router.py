from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from backend.audit.service import log_admin_action
from backend.auth.deps import AdminDep, require_roles
from backend.auth.service import Principal
from backend.common.enums import Role
from backend.common.types import IdPath
from backend.db import SessionDep
from backend.teams import service
from backend.teams.models import TeamCreate, TeamPublic, TeamUpdate

router = APIRouter(prefix="/teams", tags=["team"])
_readers = require_roles(Role.admin, Role.coordinator, Role.manager)
_editors = require_roles(Role.admin, Role.coordinator)


@router.get("", response_model=list[TeamPublic], summary="List teams")
def list_teams(session: SessionDep, principal: Principal = Depends(_readers)) -> list[object]:
    return list(service.list_teams(session, principal=principal))


@router.post("", response_model=TeamPublic, status_code=201, summary="Create a team")
def create_team(data: TeamCreate, session: SessionDep, principal: AdminDep) -> object:
    log_admin_action(session, principal=principal, action="opprettet team", target=data.name)
    return service.create_team(session, data=data)


@router.patch("/{team_id}", response_model=TeamPublic, summary="Change a team's name or base")
def update_team(
    team_id: IdPath, data: TeamUpdate, session: SessionDep, principal: Principal = Depends(_editors)
) -> object:
    return service.update_team(session, principal=principal, team_id=team_id, data=data)


@router.delete("/{team_id}", status_code=204, summary="Delete an empty team")
def delete_team(team_id: IdPath, session: SessionDep, principal: AdminDep) -> Response:
    log_admin_action(session, principal=principal, action="slettet team", target=f"team {team_id}")
    service.delete_team(session, team_id=team_id)
    return Response(status_code=204)
