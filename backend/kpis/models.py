"""Weekly KPI aggregates kept in the database, so a year's series reads 52 rows instead of a year of visits.

A row holds one team's KPIs for one ISO week, computed by kpis.definitions (the only implementation) from
the raw records. A change that can alter a week's figures leaves a mark (kpi_dirty) in the same
transaction (kpis.freshness); a marked, missing or not yet settled week is computed again from the raw
records when it is read or when the worker refreshes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from backend.common.types import UTCDateTime, utcnow


class KpiWeek(SQLModel, table=True):
    __tablename__ = "kpi_week"
    team_id: int = Field(primary_key=True, foreign_key="team.id", ondelete="CASCADE")
    monday: dt.date = Field(primary_key=True)
    early_tolerance_minutes: int = Field(description="the tolerance the figures were computed with")
    plans: str = Field(max_length=200, description="fingerprint of the week's published plans")
    kpis: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    computed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KpiDirty(SQLModel, table=True):
    """A change since a week was computed (a visit event, an SMS accepted, a primary contact changed).
    Marks are only ever added by writers and removed by the computation that saw them: never merged, so a
    change committed while a week is being computed keeps its own mark."""

    __tablename__ = "kpi_dirty"
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(index=True)
    monday: dt.date = Field(index=True)
