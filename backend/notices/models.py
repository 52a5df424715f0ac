"""Notices to recipients (the SMS outbox) and the carers' "Forsinket" requests that create them.

A notice row, with one message row per phone, is written in the same transaction as what caused it, under
a unique key per visit, kind and revision, so the same notice can never exist twice. The sender works
through the messages: pending → sending → accepted → delivered / failed / expired.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.common.types import Instant, UTCDateTime, utcnow


class Notice(SQLModel, table=True):
    __tablename__ = "notice"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True, index=True, description="visit:kind:revision")
    stop_id: int | None = Field(
        default=None, foreign_key="stop.id", index=True, description="none: about a standing agreement"
    )
    recipient_id: int = Field(foreign_key="recipient.id", index=True)
    kind: str = Field(max_length=20, description="delay | moved | cancelled | visit_plan | agreed_time")
    revision: int = Field(default=1, ge=1)
    expected_start: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    lateness_minutes: int = Field(default=0, ge=0)
    source: str = Field(max_length=20, description="carer | eta | replan")
    status: str = Field(default="pending", max_length=20, index=True)
    status_reason: str = Field(default="", max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delay_report_id: int | None = Field(default=None, foreign_key="delay_report.id")


class NoticeMessage(SQLModel, table=True):
    """One SMS of a notice to one phone. Its reference goes to the gateway and comes back in delivery
    reports, so a send whose answer was lost is resolved by the report, never by sending again."""

    __tablename__ = "notice_message"
    __table_args__ = (UniqueConstraint("notice_id", "phone", name="uq_notice_message_phone"),)
    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    reference: str = Field(max_length=64, unique=True, index=True, description="our id at the gateway")
    phone: str = Field(max_length=20, description="E.164 mobile")
    to_next_of_kin: bool = False
    language: str = Field(default="nb", max_length=2)
    text: str = Field(max_length=480)
    encoding: str = Field(max_length=5, description="GSM-7 | UCS-2")
    segments: int = Field(ge=1, le=2)
    status: str = Field(default="pending", max_length=20, index=True)
    status_reason: str = Field(default="", max_length=500)
    gateway: str = Field(default="", max_length=20)
    provider_message_id: str | None = Field(default=None, max_length=100, index=True)
    attempts: int = Field(default=0, ge=0)
    next_attempt_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    valid_until: dt.datetime = Field(sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sending_since: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    final_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class NoticeMessagePublic(BaseModel):
    id: int
    phone: str
    to_next_of_kin: bool
    text: str
    encoding: str
    segments: int
    status: str
    status_reason: str
    attempts: int
    accepted_at: dt.datetime | None
    final_at: dt.datetime | None


class NoticePublic(BaseModel):
    id: int
    key: str
    stop_id: int | None
    recipient_id: int
    kind: str
    revision: int
    expected_start: dt.datetime | None
    lateness_minutes: int
    source: str
    status: str
    status_reason: str
    created_at: dt.datetime
    messages: list[NoticeMessagePublic]


class DelayReport(SQLModel, table=True):
    """One tap on "Forsinket"; the tablet makes its UUID so a resend is recognised and answered the same."""

    __tablename__ = "delay_report"
    id: int | None = Field(default=None, primary_key=True)
    request_uuid: str = Field(max_length=36, unique=True, index=True)
    carer_id: int = Field(foreign_key="carer.id", index=True)
    route_id: int = Field(foreign_key="route.id", index=True)
    device_time: dt.datetime = Field(sa_type=UTCDateTime)
    server_time: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    outcome: list[dict[str, object]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class DelayReportCreate(BaseModel):
    request_uuid: uuid.UUID
    route_id: int = PydanticField(gt=0)
    device_time: Instant


class DelayOutcome(BaseModel):
    """Per visit left on the route: the server's estimate and whether a notice was created (and why not)."""

    stop_id: int
    expected_start: dt.datetime | None
    lateness_minutes: int
    notice: str  # created | would_notify (preview) | already | not_late | no_consent | quiet_hours | done
    notice_id: int | None = None
    notified_at: dt.datetime | None = None  # «already»: when the last notice for the visit was made


class DelayReportPublic(BaseModel):
    id: int
    request_uuid: str
    route_id: int
    device_time: dt.datetime
    server_time: dt.datetime
    outcome: list[DelayOutcome]
    duplicate: bool = False
