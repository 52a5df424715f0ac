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


class AdminAction(SQLModel, table=True):
    """What an administrator changed: logins, teams, settings. An admin who makes or resets a login that
    reaches recipient data could use it; the row (grants_access) shows it to the manager, who has no
    admin rights, so no one both grants access and hides it."""

    __tablename__ = "admin_action"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    user_id: int | None = Field(default=None, index=True, description="null: the command line")
    username: str = Field(max_length=100)
    action: str = Field(max_length=100)
    target: str = Field(default="", max_length=300)
    grants_access: bool = Field(default=False, description="opens recipient data to a login")


class AdminActionPublic(BaseModel):
    id: int
    at: dt.datetime
    user_id: int | None
    username: str
    action: str
    target: str
    grants_access: bool
