"""Service decision (vedtak): what is done, how long, how often and at which agreed time."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, model_validator
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from backend.carers.competence import CATALOGUE
from backend.common.enums import ServiceType, VisitPriority
from backend.common.types import Day, IdField, ShortText, UTCDateTime, WallClock, utcnow


class Task(BaseModel):
    """Tiltak: one thing done on a visit, e.g. morgenstell 20 min, needs helsefagarbeider."""

    name: ShortText
    minutes: int = Field(ge=1, le=480)
    competence: str | None = Field(default=None, description="kompetanse som kreves")
    time_critical: bool = Field(
        default=False, description="tidskritisk (insulin, legemidler til faste tider): tiden flyttes aldri"
    )

    @model_validator(mode="after")
    def _known_competence(self) -> Task:
        if self.competence is not None and self.competence not in CATALOGUE:
            raise ValueError(
                f"ukjent kompetanse «{self.competence}» for tiltak «{self.name}» "
                f"(gyldige: {', '.join(sorted(CATALOGUE))})"
            )
        return self


class ServiceDecision(SQLModel, table=True):
    """Vedtak: the legal decision granting visits; valid from a date to an optional stop date."""

    __tablename__ = "service_decision"
    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="recipient.id", index=True, ondelete="CASCADE")
    reference: str | None = Field(default=None, max_length=200, unique=True, description="vedtaksnummer")
    service_type: ServiceType = ServiceType.home_nursing
    valid_from: dt.date = Field(index=True)
    valid_to: dt.date | None = Field(default=None, description="stoppdato (inclusive)")
    weekdays: list[int] = Field(sa_column=Column(JSON, nullable=False), description="ISO 1=mandag … 7=søndag")
    interval_weeks: int = Field(default=1, ge=1, le=4, description="1 = hver uke, 2 = annenhver uke")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DecisionVisit(SQLModel, table=True):
    """One visit of a vedtak's day: its agreed window (avtalt tidspunkt) and its tasks (tiltak)."""

    __tablename__ = "decision_visit"
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="service_decision.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=200)
    window_start: dt.time
    window_end: dt.time
    window_hard: bool = Field(default=False, description="hard: must start inside; soft: late is costed")
    latest_acceptable: dt.time | None = Field(
        default=None, description="soft window: latest acceptable start"
    )
    double_staffed: bool = Field(default=False, description="dobbeltbemanning")
    priority: VisitPriority = VisitPriority.normal
    latest_start: dt.time | None = Field(default=None, description="dagsenter: seneste start")
    tasks: list[dict[str, object]] = Field(sa_column=Column(JSON, nullable=False))

    @property
    def minutes(self) -> int:
        return sum(int(str(t["minutes"])) for t in self.tasks)

    @property
    def time_critical(self) -> bool:
        """A task at a fixed time (insulin): the agreed window is never proposed moved."""
        return any(bool(t.get("time_critical")) for t in self.tasks)


class DecisionLink(SQLModel, table=True):
    """A link between two visits of the same day: e.g. dinner at least 3 h after lunch."""

    __tablename__ = "decision_link"
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="service_decision.id", index=True, ondelete="CASCADE")
    from_visit_id: int = Field(foreign_key="decision_visit.id", ondelete="CASCADE")
    to_visit_id: int = Field(foreign_key="decision_visit.id", ondelete="CASCADE")
    min_gap_minutes: int = Field(default=0, ge=0, le=24 * 60)
    max_gap_minutes: int | None = Field(default=None, ge=0, le=24 * 60)


# ---- API shapes -------------------------------------------------------------------------------


class DecisionVisitIn(BaseModel):
    label: ShortText
    window_start: WallClock
    window_end: WallClock
    window_hard: bool = False
    latest_acceptable: WallClock | None = None
    double_staffed: bool = False
    priority: VisitPriority = VisitPriority.normal
    latest_start: WallClock | None = None
    tasks: list[Task] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _window(self) -> DecisionVisitIn:
        if self.window_end <= self.window_start:
            raise ValueError(
                f"besøk «{self.label}»: tidsvinduets slutt ({self.window_end:%H:%M}) må være etter "
                f"starten ({self.window_start:%H:%M})"
            )
        if self.latest_acceptable is not None:
            if self.window_hard:
                raise ValueError(f"besøk «{self.label}»: seneste akseptable tid gjelder bare myke vinduer")
            if self.latest_acceptable < self.window_end:
                raise ValueError(f"besøk «{self.label}»: seneste akseptable tid må være etter vinduets slutt")
        if self.latest_start is not None and not (self.window_start <= self.latest_start):
            raise ValueError(f"besøk «{self.label}»: seneste start kan ikke være før vinduet starter")
        if self.priority == VisitPriority.day_centre and self.latest_start is None:
            raise ValueError(f"besøk «{self.label}»: dagsenterbesøk må ha seneste start")
        return self


class DecisionLinkIn(BaseModel):
    from_label: ShortText
    to_label: ShortText
    min_gap_minutes: int = Field(default=0, ge=0, le=24 * 60)
    max_gap_minutes: int | None = Field(default=None, ge=0, le=24 * 60)

    @model_validator(mode="after")
    def _gaps(self) -> DecisionLinkIn:
        if self.max_gap_minutes is not None and self.max_gap_minutes < self.min_gap_minutes:
            raise ValueError("kobling: største avstand kan ikke være mindre enn minste avstand")
        if self.from_label == self.to_label:
            raise ValueError("kobling: et besøk kan ikke kobles til seg selv")
        return self


class DecisionCreate(BaseModel):
    recipient_id: IdField
    reference: ShortText | None = None
    service_type: ServiceType = ServiceType.home_nursing
    valid_from: Day
    valid_to: Day | None = None
    weekdays: list[int] = Field(min_length=1, max_length=7)
    interval_weeks: int = Field(default=1, ge=1, le=4)
    visits: list[DecisionVisitIn] = Field(min_length=1, max_length=12)
    links: list[DecisionLinkIn] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> DecisionCreate:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("stoppdato kan ikke være før startdato")
        bad_days = [d for d in self.weekdays if not 1 <= d <= 7]
        if bad_days:
            raise ValueError(f"ukedager må være 1 (mandag) til 7 (søndag), fikk {bad_days}")
        if len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("samme ukedag er oppgitt flere ganger")
        labels = [v.label for v in self.visits]
        if len(set(labels)) != len(labels):
            raise ValueError("hvert besøk i et vedtak må ha sitt eget navn (label)")
        by_label = {v.label: v for v in self.visits}
        for link in self.links:
            for label in (link.from_label, link.to_label):
                if label not in labels:
                    raise ValueError(f"kobling viser til ukjent besøk «{label}»")
            _link_fits(link, by_label[link.from_label], by_label[link.to_label])
        return self


def minutes_of(clock: dt.time) -> int:
    """A wall-clock time as minutes since midnight."""
    return clock.hour * 60 + clock.minute


def _link_fits(link: DecisionLinkIn, first: DecisionVisitIn, then: DecisionVisitIn) -> None:
    """A link no day can keep inside the agreed times (dinner 500 minutes after a lunch at 11:30 when dinner
    is agreed by 17:00) is refused when the vedtak is written, not found by the planner every day."""
    widest = minutes_of(then.window_end) - minutes_of(first.window_start)
    if widest < link.min_gap_minutes:
        raise ValueError(
            f"kobling: «{then.label}» kan ikke begynne {link.min_gap_minutes} min etter «{first.label}» innenfor "
            f"de avtalte tidene (høyst {max(0, widest)} min mellom {first.window_start:%H:%M} og {then.window_end:%H:%M})"
        )


class DecisionUpdate(BaseModel):
    """Only the stop date and reference change on a vedtak; anything else is a new vedtak."""

    valid_to: Day | None = None
    reference: ShortText | None = None


class DecisionVisitPublic(DecisionVisitIn):
    id: int
    minutes: int


class DecisionLinkPublic(DecisionLinkIn):
    id: int


class DecisionPublic(BaseModel):
    id: int
    recipient_id: int
    reference: str | None
    service_type: ServiceType
    valid_from: dt.date
    valid_to: dt.date | None
    weekdays: list[int]
    interval_weeks: int
    visits: list[DecisionVisitPublic]
    links: list[DecisionLinkPublic]
