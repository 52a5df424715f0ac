"""Staff logins (ansatt), the teams a coordinator plans for, and API tokens."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ValidationInfo, field_validator
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from backend.auth.passwords import password_problem
from backend.common.enums import Role
from backend.common.types import IdField, ShortText, UTCDateTime, utcnow


class User(SQLModel, table=True):
    """Ansatt-innlogging. A carer login is linked to its Carer row."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True, index=True)
    full_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=200)
    role: Role
    carer_id: int | None = Field(default=None, foreign_key="carer.id", unique=True)
    active: bool = True
    oidc_subject: str | None = Field(
        default=None, max_length=300, unique=True, description="issuer|sub of a single sign-on login"
    )
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CoordinatorTeam(SQLModel, table=True):
    """Which teams a coordinator (or manager) is responsible for."""

    __tablename__ = "coordinator_team"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")


class ApiToken(SQLModel, table=True):
    """A bearer token or web session; only its SHA-256 hash is stored."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    revoked: bool = False


class UserCreate(BaseModel):
    username: str = PField(min_length=2, max_length=100, pattern=r"^[a-z0-9._-]+$")
    full_name: ShortText
    password: str = PField(min_length=1, max_length=200)
    role: Role
    carer_id: IdField | None = None
    team_ids: list[IdField] = PField(default_factory=list, max_length=50)

    @field_validator("password")
    @classmethod
    def _strong_password(cls, value: str, info: ValidationInfo) -> str:
        """On the password field (the form shows the reason beside it); the username is validated first."""
        problem = password_problem(value, str(info.data.get("username", "")))
        if problem:
            raise ValueError(problem)
        return value


class UserUpdate(BaseModel):
    full_name: ShortText | None = None
    password: str | None = PField(default=None, min_length=1, max_length=200)
    active: bool | None = None
    team_ids: list[IdField] | None = PField(default=None, max_length=50)

    @field_validator("password")
    @classmethod
    def _strong_password(cls, value: str | None) -> str | None:
        problem = None if value is None else password_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str
    role: Role
    carer_id: int | None
    active: bool
    team_ids: list[int]
    single_sign_on: bool = False  # made by the municipality's sign-on (no password here)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    role: Role


class LoginThrottle(SQLModel, table=True):
    """Failed logins per account ("user:koord") and per address ("addr:10.0.0.7"), with the back-off they
    earned. Kept in the database so every server process sees the same count."""

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=150)
    failures: int = 0
    last_failure: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    blocked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
