"""Municipality-wide settings (kommuneinnstillinger), edited by the admin."""

from __future__ import annotations

import datetime as dt

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from backend.common.phone import normalise_any
from backend.common.types import ShortText, wall_clock


class MunicipalitySettingsBase(SQLModel):
    name: ShortText = Field(max_length=200)
    notice_phone: str | None = Field(default=None, max_length=20, description="nummer i varsel-SMS")
    allow_cross_team_nurses: bool = Field(
        default=True, description="sykepleier fra annet team kan ta besøk som krever sykepleier"
    )
    lend_across_teams: bool = Field(
        default=True, description="besøk et team ikke har ledig tid til, kan legges til et annet team"
    )
    early_tolerance_minutes: int = Field(default=0, ge=0, le=120)
    visit_plan_carer_names: bool = Field(
        default=False, description="besøksplanen til brukerne viser pleiernes fornavn"
    )
    notice_threshold_minutes: int = Field(
        default=15, ge=1, le=240, description="varsle når forventet forsinkelse er minst så mange minutter"
    )
    notice_quiet_start: dt.time = Field(default=dt.time(21, 0), description="ingen varsel fra (lokal tid)")
    notice_quiet_end: dt.time = Field(default=dt.time(7, 0), description="… til (med mindre besøket er da)")


class MunicipalitySettings(MunicipalitySettingsBase, table=True):
    """One row (id 1) per installation."""

    __tablename__ = "municipality_settings"
    id: int | None = Field(default=None, primary_key=True)


class MunicipalitySettingsUpdate(MunicipalitySettingsBase):
    @field_validator("notice_quiet_start", "notice_quiet_end")
    @classmethod
    def _local(cls, value: dt.time) -> dt.time:
        return wall_clock(value)  # the table model shares these fields, so the rule and not the type

    @field_validator("notice_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value in (None, "") else normalise_any(value)


class MunicipalitySettingsPublic(MunicipalitySettingsBase):
    pass
