"""Agreed times that fit: proposals to move agreed windows, the recipient's agreement, staffing advice.

A proposal run looks at one team's week: it stores the visits it kept inside their agreed windows before and
after all of its proposals, the staffing advice for what still does not fit, and one proposal per vedtak
visit. A coordinator accepts (possibly with an edited window), or rejects, each proposal; an accepted one
records who asked the recipient, when and how, and from which date the new window holds (the vedtak is
changed from that date, so earlier weeks keep the window agreed then).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, model_validator
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from backend.common.types import Day, ShortText, UTCDateTime, WallClock, utcnow


class ProposalStatus(StrEnum):
    proposed = "proposed"
    accepted = "accepted"
    rejected = "rejected"
    replaced = "replaced"  # a newer run for the same team and week took its place


class AskedHow(StrEnum):
    phone = "telefon"
    visit = "besøk"
    letter = "brev"
    sms = "sms"


class ProposalRun(SQLModel, table=True):
    __tablename__ = "proposal_run"
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    monday: dt.date = Field(index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    visits: int = Field(default=0, description="visits the vedtak give in the week")
    within_before: int = 0
    within_after: int = Field(default=0, description="with every proposal of the run accepted")
    seconds: float = 0.0
    staffing: list[dict[str, object]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class TimeProposal(SQLModel, table=True):
    __tablename__ = "time_proposal"
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="proposal_run.id", index=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    recipient_id: int = Field(foreign_key="recipient.id", index=True, ondelete="CASCADE")
    decision_visit_id: int = Field(foreign_key="decision_visit.id", ondelete="CASCADE")
    label: str = Field(max_length=200)
    current_start: dt.time
    current_end: dt.time
    proposed_start: dt.time
    proposed_end: dt.time
    reason: str = Field(max_length=300)
    days: int = Field(description="days of the week the visit is due")
    days_before: int = Field(description="days inside the current window")
    days_after: int = Field(description="days inside the proposed window, every proposal accepted")
    status: ProposalStatus = Field(default=ProposalStatus.proposed, index=True)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    agreed_start: dt.time | None = None
    agreed_end: dt.time | None = None
    asked_by: str | None = Field(default=None, max_length=200, description="who asked the recipient")
    asked_on: dt.date | None = None
    asked_how: AskedHow | None = None
    valid_from: dt.date | None = None
    new_decision_id: int | None = Field(default=None, foreign_key="service_decision.id", ondelete="SET NULL")
    notice_id: int | None = Field(default=None, foreign_key="notice.id", ondelete="SET NULL")
    rejected_reason: str | None = Field(default=None, max_length=300)


# ---- API shapes -------------------------------------------------------------------------------


class ProposalRunCreate(BaseModel):
    team_id: int
    monday: Day


class Agreement(BaseModel):
    """The recipient agreed: who asked, when, how, and from which date; the window may be edited."""

    asked_by: ShortText
    asked_on: Day
    asked_how: AskedHow
    valid_from: Day
    window_start: WallClock | None = None
    window_end: WallClock | None = None
    notify: bool = Field(default=True, description="send the recipient (or consenting next of kin) an SMS")

    @model_validator(mode="after")
    def _window(self) -> Agreement:
        if (self.window_start is None) != (self.window_end is None):
            raise ValueError("oppgi både start og slutt for et endret tidsvindu")
        if (
            self.window_start is not None
            and self.window_end is not None
            and self.window_end <= self.window_start
        ):
            raise ValueError(
                f"tidsvinduets slutt ({self.window_end:%H:%M}) må være etter starten ({self.window_start:%H:%M})"
            )
        if self.asked_on > self.valid_from:
            raise ValueError("brukeren må være spurt før endringen gjelder fra")
        return self


class Rejection(BaseModel):
    reason: ShortText | None = None


class ProposalPublic(BaseModel):
    id: int
    run_id: int
    recipient_id: int
    decision_visit_id: int
    label: str
    current_start: dt.time
    current_end: dt.time
    proposed_start: dt.time
    proposed_end: dt.time
    reason: str
    days: int
    days_before: int
    days_after: int
    status: ProposalStatus
    agreed_start: dt.time | None
    agreed_end: dt.time | None
    asked_by: str | None
    asked_on: dt.date | None
    asked_how: AskedHow | None
    valid_from: dt.date | None
    new_decision_id: int | None
    notice_id: int | None


class ProposalRunPublic(BaseModel):
    id: int
    team_id: int
    monday: dt.date
    created_at: dt.datetime
    visits: int
    within_before: int
    within_after: int
    seconds: float
    staffing: list[dict[str, object]]
    proposals: list[ProposalPublic]
