"""Job records: the status of background work (solves, SMS sending) that both runners share."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from backend.common.enums import JobStatus
from backend.common.types import UTCDateTime, utcnow


class JobRecord(SQLModel, table=True):
    """One unit of background work and its outcome, visible to the person who started it."""

    __tablename__ = "job_record"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    args: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: JobStatus = Field(default=JobStatus.queued, index=True)
    backend: str = Field(default="inprocess", max_length=20)
    result: dict[str, object] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    error: str | None = Field(default=None, max_length=2000)
    progress: dict[str, object] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobPublic(BaseModel):
    id: int
    name: str
    args: dict[str, object]
    status: str
    backend: str
    result: dict[str, object] | None
    error: str | None
    progress: dict[str, object] | None = None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
