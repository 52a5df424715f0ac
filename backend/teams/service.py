"""Teams: created by the admin, base edited by the team's coordinator."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.auth.service import Principal
from backend.common.crud import apply_update, get_or_404, referenced_elsewhere
from backend.common.enums import Role
from backend.errors import Conflict
from backend.teams.models import Team, TeamCreate, TeamUpdate


def team_in_scope(session: Session, *, principal: Principal, team_id: int) -> Team:
    """The team, if it exists and the coordinator is responsible for it."""
    team = get_or_404(session, Team, team_id, "Team")
    principal.require_team(team_id)
    return team


def list_teams(session: Session, *, principal: Principal) -> list[Team]:
    query = select(Team).order_by(col(Team.name))
    if principal.role == Role.coordinator:
        query = query.where(Team.id.in_(principal.team_ids))  # type: ignore[union-attr]
    return list(session.exec(query))


def _unique_name(session: Session, name: str, exclude_id: int | None = None) -> None:
    existing = session.exec(select(Team).where(Team.name == name)).first()
    if existing is not None and existing.id != exclude_id:
        raise Conflict(f"Et team med navnet «{name}» finnes allerede.", field="name")


def create_team(session: Session, *, data: TeamCreate) -> Team:
    _unique_name(session, data.name)
    team = Team.model_validate(data)
    session.add(team)
    session.commit()
    session.refresh(team)
    return team


def update_team(session: Session, *, principal: Principal, team_id: int, data: TeamUpdate) -> Team:
    team = get_or_404(session, Team, team_id, "Team")
    if principal.role != Role.admin:
        principal.require_team(team_id)
    if data.name is not None:
        _unique_name(session, data.name, exclude_id=team_id)
    apply_update(team, data)
    session.add(team)
    session.commit()
    session.refresh(team)
    return team


def delete_team(session: Session, *, team_id: int) -> None:
    """Only a team nothing refers to can go; staff, recipients, plans and coordinators must be moved first."""
    team = get_or_404(session, Team, team_id, "Team")
    if referenced_elsewhere(session, Team, [team_id]):
        raise Conflict(
            "Teamet er i bruk (pleiere, brukere eller kjørelister). Flytt dem til et annet team først."
        )
    session.delete(team)
    session.commit()
