"""Rota (turnus) entries and absences (fravær)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, model_validator
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.common.enums import AbsenceReason, ShiftKind
from backend.common.types import Day, IdField, Instant, LongText, UTCDateTime, WallClock


class RotaEntry(SQLModel, table=True):
    """Turnus: one carer works one shift on one local date; instants stored in UTC."""

    __tablename__ = "rota_entry"
    __table_args__ = (UniqueConstraint("carer_id", "date", "shift_kind", name="uq_rota_carer_date_shift"),)
    id: int | None = Field(default=None, primary_key=True)
    carer_id: int = Field(foreign_key="carer.id", index=True, ondelete="CASCADE")
    date: dt.date = Field(index=True)
    shift_kind: ShiftKind
    start: dt.datetime = Field(sa_type=UTCDateTime)
    end: dt.datetime = Field(sa_type=UTCDateTime)
    break_earliest: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    break_latest: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    break_minutes: int = Field(default=0, ge=0, le=120)


class RotaEntryCreate(BaseModel):
    """Local wall-clock times on a local date; an end before the start means the next morning."""

    carer_id: IdField
    date: Day
    shift_kind: ShiftKind
    start: WallClock
    end: WallClock
    break_earliest: WallClock | None = None
    break_latest: WallClock | None = None
    break_minutes: int = Field(default=0, ge=0, le=120)

    @model_validator(mode="after")
    def _break(self) -> RotaEntryCreate:
        if self.start == self.end:
            raise ValueError("vakten må ha ulik start og slutt")
        if self.break_minutes > 0 and (self.break_earliest is None or self.break_latest is None):
            raise ValueError("pause krever tidligste og seneste start")
        if (
            self.break_earliest is not None
            and self.break_latest is not None
            and self.break_latest < self.break_earliest
        ):
            raise ValueError("pausens seneste start kan ikke være før tidligste start")
        return self


class RotaEntryPublic(BaseModel):
    id: int
    carer_id: int
    date: dt.date
    shift_kind: ShiftKind
    start: dt.datetime
    end: dt.datetime
    break_earliest: dt.datetime | None
    break_latest: dt.datetime | None
    break_minutes: int


class AbsenceBase(SQLModel):
    carer_id: IdField = Field(foreign_key="carer.id", index=True, ondelete="CASCADE")
    start: dt.datetime = Field(sa_type=UTCDateTime)
    end: dt.datetime = Field(sa_type=UTCDateTime)
    reason: AbsenceReason = AbsenceReason.sick_leave
    note: LongText = Field(default="", max_length=2000)


class Absence(AbsenceBase, table=True):
    """Fravær: the carer cannot work in [start, end). The same absence twice is refused by the database
    (two coordinators re-planning on one sick call at once stored it twice)."""

    __table_args__ = (UniqueConstraint("carer_id", "start", "end", "reason", name="uq_absence_same"),)
    id: int | None = Field(default=None, primary_key=True)


class AbsenceCreate(AbsenceBase):
    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _interval(self) -> AbsenceCreate:
        if self.end <= self.start:
            raise ValueError("fraværets slutt må være etter starten")
        return self


class AbsencePublic(AbsenceBase):
    id: int
