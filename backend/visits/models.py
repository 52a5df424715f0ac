"""Visit events (check-in / check-out / cancel) reported from the carer's tablet."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, model_validator
from sqlmodel import Field, SQLModel

from backend.common.enums import NotDoneReason, VisitEventKind
from backend.common.types import IdField, Instant, LongText, UTCDateTime, utcnow


class VisitEvent(SQLModel, table=True):
    """One event; the tablet makes its UUID so a resend after lost coverage is recognised."""

    __tablename__ = "visit_event"
    id: int | None = Field(default=None, primary_key=True)
    event_uuid: str = Field(max_length=36, unique=True, index=True)
    stop_id: int = Field(foreign_key="stop.id", index=True)
    carer_id: int = Field(foreign_key="carer.id", index=True)
    kind: VisitEventKind
    device_time: dt.datetime = Field(sa_type=UTCDateTime)
    server_time: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=2000)
    reported_stop_id: int | None = Field(
        default=None, foreign_key="stop.id", description="the stop the tablet named, when re-planned since"
    )
    conflict: str = Field(default="", max_length=500, description="why the coordinator's plan disagrees")
    reason: NotDoneReason | None = Field(default=None, description="cancel: why the visit was not done")
    undoes: str | None = Field(default=None, max_length=36, index=True, description="undo: the event undone")


class VisitEventCreate(BaseModel):
    event_uuid: uuid.UUID
    stop_id: IdField
    kind: VisitEventKind
    device_time: Instant
    note: LongText = ""
    reason: NotDoneReason | None = None
    undoes: uuid.UUID | None = None

    @model_validator(mode="after")
    def _what_each_kind_needs(self) -> VisitEventCreate:
        if (self.kind == VisitEventKind.cancel) != (self.reason is not None):
            raise ValueError("en årsak (reason) hører til «ikke utført» og bare det")
        if self.reason == NotDoneReason.other and not self.note:
            raise ValueError("«Annet» trenger en merknad (note) om hva som skjedde")
        if (self.kind == VisitEventKind.undo) != (self.undoes is not None):
            raise ValueError("«Angre» (undo) må si hvilken hendelse (undoes) den angrer, og bare den")
        return self


class VisitEventPublic(BaseModel):
    id: int
    event_uuid: str
    stop_id: int
    carer_id: int
    kind: VisitEventKind
    device_time: dt.datetime
    server_time: dt.datetime
    reported_stop_id: int | None = None
    conflict: str = ""
    reason: NotDoneReason | None = None
    undoes: str | None = None
    duplicate: bool = False
