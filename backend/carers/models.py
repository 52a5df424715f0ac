"""Carer (pleier / ansatt): staff who visit recipients."""

from __future__ import annotations

from pydantic import field_validator
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from backend.carers.competence import validate_competences
from backend.common.enums import TravelMode
from backend.common.phone import normalise_mobile
from backend.common.types import IdField, ShortText


class CarerBase(SQLModel):
    name: ShortText = Field(max_length=200)
    external_id: ShortText | None = Field(default=None, max_length=200, description="ansattnummer")
    team_id: IdField = Field(foreign_key="team.id", index=True)
    competences: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    employment_pct: int = Field(default=100, ge=1, le=100, description="stillingsprosent")
    transport_mode: TravelMode = Field(default=TravelMode.car)
    phone: str | None = Field(default=None, max_length=20)
    active: bool = True


class Carer(CarerBase, table=True):
    """Pleier: a member of the home-care staff with competences and a travel mode."""

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=200, unique=True)


class _CarerValidation(SQLModel):
    @field_validator("competences", check_fields=False)
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else validate_competences(value)

    @field_validator("phone", check_fields=False)
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        return None if value in (None, "") else normalise_mobile(value)


class CarerCreate(_CarerValidation, CarerBase):
    pass


class CarerUpdate(_CarerValidation):
    name: ShortText | None = None
    external_id: ShortText | None = None
    team_id: IdField | None = None
    competences: list[str] | None = None
    employment_pct: int | None = Field(default=None, ge=1, le=100)
    transport_mode: TravelMode | None = None
    phone: str | None = None
    active: bool | None = None


class CarerPublic(CarerBase):
    id: int
