"""Visit events (check-in / check-out / cancel) reported from the carer's tablet."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from backend.common.enums import VisitEventKind
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


class VisitEventCreate(BaseModel):
    event_uuid: uuid.UUID
    stop_id: IdField
    kind: VisitEventKind
    device_time: Instant
    note: LongText = ""


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
    duplicate: bool = False
