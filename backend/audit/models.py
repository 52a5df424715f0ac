"""Access log (tilgangslogg): every read of a recipient's data."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from backend.common.types import UTCDateTime, utcnow


class AccessLog(SQLModel, table=True):
    """Who read which recipient's data, in which role, what and when."""

    __tablename__ = "access_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    username: str = Field(max_length=100)
    role: str = Field(max_length=20)
    recipient_id: int = Field(index=True)
    action: str = Field(max_length=100)
    path: str = Field(default="", max_length=300)


class AccessLogPublic(BaseModel):
    id: int
    at: dt.datetime
    user_id: int
    username: str
    role: str
    recipient_id: int
    action: str
    path: str
