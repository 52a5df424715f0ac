"""Team (team / sone): a geographic home-care team with its base (base / kontor)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from backend.common.types import ShortText


class TeamBase(SQLModel):
    name: ShortText = Field(index=True, unique=True, max_length=200)
    base_address: ShortText = Field(max_length=200)
    base_lat: float = Field(ge=-90, le=90)
    base_lon: float = Field(ge=-180, le=180)


class Team(TeamBase, table=True):
    """Team: the unit a coordinator plans for; carers start and end their shift at its base."""

    id: int | None = Field(default=None, primary_key=True)


class TeamCreate(TeamBase):
    pass


class TeamUpdate(SQLModel):
    name: ShortText | None = None
    base_address: ShortText | None = None
    base_lat: float | None = Field(default=None, ge=-90, le=90)
    base_lon: float | None = Field(default=None, ge=-180, le=180)


class TeamPublic(TeamBase):
    id: int
