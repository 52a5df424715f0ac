"""Plans (kjørelister): a plan holds one route per carer, each an ordered list of stops."""

from __future__ import annotations

import datetime as dt
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, model_validator
from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backend.common.enums import PlanStatus, ShiftKind
from backend.common.types import Day, IdField, ShortText, UTCDateTime, WallClock, utcnow
from backend.decisions.models import Task

PUBLISHED_ONLY = text("status = 'published'")


class Plan(SQLModel, table=True):
    """One team's kjørelister for a date and shift; carers see only published plans. The database holds at
    most one published plan per team, date and shift, whatever two coordinators do at the same moment."""

    __table_args__ = (
        Index(
            "uq_plan_published",
            "team_id",
            "date",
            "shift_kind",
            unique=True,
            sqlite_where=PUBLISHED_ONLY,
            postgresql_where=PUBLISHED_ONLY,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    shift_kind: ShiftKind
    status: PlanStatus = Field(default=PlanStatus.draft, index=True)
    source: str = Field(default="manual", max_length=20, description="manual | solver")
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    objective: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    stats: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    unassigned: list[dict[str, object]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    issues: list[dict[str, object]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    base_plan_id: int | None = Field(default=None, foreign_key="plan.id", ondelete="SET NULL")
    diff: dict[str, object] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    revision: int = Field(
        default=0, ge=0, sa_column_kwargs={"server_default": "0"}, description="1, 2, … as published"
    )
    from_revision: int = Field(
        default=0,
        ge=0,
        sa_column_kwargs={"server_default": "0"},
        description="the revision published for the team, date and shift when this draft was made",
    )
    absence_mark: int = Field(
        default=0, ge=0, sa_column_kwargs={"server_default": "0"}, description="the last absence it knew of"
    )

    # the JSON columns as typed documents (written with `model_dump(mode="json")`, read back here)
    def unassigned_visits(self) -> list[UnassignedVisit]:
        return [UnassignedVisit.model_validate(u) for u in self.unassigned]

    def plan_diff(self) -> PlanDiff | None:
        return None if self.diff is None else PlanDiff.model_validate(self.diff)

    def plan_stats(self) -> PlanStats:
        return PlanStats.model_validate(self.stats)


class Route(SQLModel, table=True):
    """Kjøreliste: one carer's ordered visits in a plan."""

    __table_args__ = (UniqueConstraint("plan_id", "carer_id", name="uq_route_plan_carer"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    carer_id: int = Field(foreign_key="carer.id", index=True)
    shift_start: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    shift_end: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    break_start: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    break_minutes: int = Field(default=0, ge=0)
    travel_seconds: int = Field(default=0, ge=0)


class Stop(SQLModel, table=True):
    """One planned visit on a route, with the agreed window and the planned times (UTC)."""

    id: int | None = Field(default=None, primary_key=True)
    route_id: int = Field(foreign_key="route.id", index=True, ondelete="CASCADE")
    seq: int = Field(ge=0)
    recipient_id: int = Field(foreign_key="recipient.id", index=True)
    decision_visit_id: int | None = Field(default=None, foreign_key="decision_visit.id", ondelete="SET NULL")
    window_start: dt.datetime = Field(sa_type=UTCDateTime)
    window_end: dt.datetime = Field(sa_type=UTCDateTime)
    planned_arrival: dt.datetime = Field(sa_type=UTCDateTime)
    planned_start: dt.datetime = Field(sa_type=UTCDateTime)
    planned_end: dt.datetime = Field(sa_type=UTCDateTime)
    travel_seconds: int = Field(default=0, ge=0, description="travel from the previous place")
    visit_key: str = Field(default="", max_length=40, description="the visit's key in the solver problem")
    lateness_seconds: int = Field(
        default=0, ge=0, sa_column_kwargs={"server_default": "0"}, description="as the solver computed it"
    )
    fixed: bool = Field(default=False, description="done or in progress when re-planned")
    pinned: bool = Field(
        default=False, sa_column_kwargs={"server_default": "0"}, description="«Fest»: stays with its carer"
    )
    pinned_time: bool = Field(
        default=False, sa_column_kwargs={"server_default": "0"}, description="«Fest» also keeps its start"
    )
    origin_stop_id: int | None = Field(
        default=None, foreign_key="stop.id", ondelete="SET NULL", description="the first plan's stop"
    )


class StopProgress(NamedTuple):
    """A stop with its progress as the carer reported it (a VisitStatus value and the first check-in and
    check-out): what a re-plan keeps, and from when and where each carer goes on."""

    stop: Stop
    status: str
    checked_in: dt.datetime | None
    checked_out: dt.datetime | None


# ---- API shapes -------------------------------------------------------------------------------


class StopIn(BaseModel):
    """A visit placed by hand: which vedtak visit, and when the carer starts it (local time)."""

    decision_visit_id: IdField
    planned_start: WallClock


class RouteIn(BaseModel):
    carer_id: IdField
    stops: list[StopIn] = Field(default_factory=list, max_length=60)


class ManualPlanCreate(BaseModel):
    """A kjøreliste laid by hand, as coordinators do today; the solver adds its own plans later."""

    date: Day
    team_id: IdField
    shift_kind: ShiftKind
    routes: list[RouteIn] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _unique(self) -> ManualPlanCreate:
        carers = [r.carer_id for r in self.routes]
        if len(set(carers)) != len(carers):
            raise ValueError("en pleier kan bare ha én kjøreliste i samme plan")
        return self


class StopPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
    recipient_id: int
    decision_visit_id: int | None
    window_start: dt.datetime
    window_end: dt.datetime
    planned_arrival: dt.datetime
    planned_start: dt.datetime
    planned_end: dt.datetime
    travel_seconds: int = 0
    lateness_seconds: int = 0  # after the agreed window, as planned (or as it happened, when fixed)
    fixed: bool = False
    pinned: bool = False
    pinned_time: bool = False


class RoutePublic(BaseModel):
    id: int
    carer_id: int
    shift_start: dt.datetime | None = None
    shift_end: dt.datetime | None = None
    break_start: dt.datetime | None = None
    break_minutes: int = 0
    travel_seconds: int = 0
    stops: list[StopPublic]


class UnassignedVisit(BaseModel):
    """A vedtak visit the plan left out, with the reason and windows that would fit (to agree with the user)."""

    visit_key: str
    decision_visit_id: int
    recipient_id: int
    label: str
    window_start: dt.datetime
    window_end: dt.datetime
    minutes: int
    reason: str
    message: str
    alternatives: list[str] = Field(default_factory=list)


ChangeKind = Literal["moved", "retimed", "now_late", "unassigned", "added"]


class PlanChange(BaseModel):
    """How one vedtak visit differs between a re-plan and the plan it replaces."""

    decision_visit_id: int
    recipient_id: int
    kinds: list[ChangeKind]
    old_carer_ids: list[int]
    new_carer_ids: list[int]
    old_start: dt.datetime | None
    new_start: dt.datetime | None
    window_start: dt.datetime
    window_end: dt.datetime


class PlanDiff(BaseModel):
    """What a re-plan changes, shown before publishing; the recipients to notify of now-late visits."""

    base_plan_id: int
    changes: list[PlanChange] = Field(default_factory=list)
    counts: dict[ChangeKind, int] = Field(default_factory=dict)
    moved_unaffected: int = 0
    affected_carer_ids: list[int] = Field(default_factory=list)
    notice_recipient_ids: list[int] = Field(default_factory=list)


class CannotBeOnTime(BaseModel):
    """A visit no carer on shift can start inside its agreed window, whatever the plan (routing.bound)."""

    decision_visit_id: int
    recipient_id: int
    label: str
    reason: str
    message: str


class PlanStats(BaseModel):
    """The solver's statistics and the validator's verdict (solver plans), or the counts of a hand-laid plan."""

    engine: str | None = None
    status: str | None = None
    wall_time_s: float | None = None
    solutions_found: int | None = None
    visits: int | None = None
    carers: int | None = None
    check_feasible: bool | None = None
    violations: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    weights: dict[str, int] | None = None
    visits_planned: int | None = None
    visits_of_day: int | None = None
    late: int | None = None
    on_time: int | None = None
    solver_visits: int | None = None  # what on_time and the bound count: a double-staffed visit twice
    bound_on_time: int | None = None
    bound_method: str | None = None
    bound_lateness_min_s: int | None = None
    cannot_be_on_time: list[CannotBeOnTime] = Field(default_factory=list)


class PlanPublic(BaseModel):
    id: int
    date: dt.date
    team_id: int
    shift_kind: ShiftKind
    status: PlanStatus
    source: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    objective: dict[str, int]
    stats: PlanStats
    unassigned: list[UnassignedVisit] = Field(default_factory=list)
    issues: list[dict[str, object]] = Field(default_factory=list)
    base_plan_id: int | None = None
    diff: PlanDiff | None = None
    revision: int = 0
    from_revision: int = 0
    routes: list[RoutePublic]


class CarerStopView(StopPublic):
    """What a carer sees of a stop: address and access notes, never diagnoses."""

    recipient_name: str
    address: str
    lat: float
    lon: float
    access_notes: str
    tasks: list[str]
    minutes: int
    double_staffed: bool
    status: str


class CarerRouteView(BaseModel):
    plan_id: int
    route_id: int
    date: dt.date
    shift_kind: ShiftKind
    published_at: dt.datetime | None
    stops: list[CarerStopView]


class PlanningRunCreate(BaseModel):
    """Lag kjørelister: one shift of a date for the chosen teams (all the coordinator's teams if none)."""

    date: Day
    shift_kind: ShiftKind
    team_ids: list[IdField] = Field(default_factory=list, max_length=50)


class UrgentVisitIn(BaseModel):
    """An urgent visit (utskrivning, alarm) for one day; stored as a one-day vedtak."""

    recipient_id: IdField
    label: ShortText = "Akuttbesøk"
    window_start: WallClock
    window_end: WallClock
    tasks: list[Task] = Field(min_length=1, max_length=10)
    double_staffed: bool = False

    @model_validator(mode="after")
    def _window(self) -> UrgentVisitIn:
        if self.window_end <= self.window_start:
            raise ValueError("akuttbesøkets tidsvindu må slutte etter at det starter")
        return self


class ReplanCreate(BaseModel):
    """Planlegg resten av dagen: from a local time (now when left out; never in the past), with a carer
    reported sick and/or an urgent visit."""

    from_time: WallClock | None = None
    absent_carer_id: IdField | None = None
    urgent_visit: UrgentVisitIn | None = None


class PlanEditIn(BaseModel):
    """A coordinator's hand edit: move a visit to a carer and place in their remaining order, take it out,
    or put an unassigned visit in. `position` counts the carer's visits still to do (0: first); left out,
    a moved visit goes last and an inserted one where it costs the least travel."""

    action: Literal["move", "remove", "insert"]
    stop_id: IdField | None = None
    decision_visit_id: IdField | None = None
    carer_id: IdField | None = None
    position: int | None = Field(default=None, ge=0, le=200)

    @model_validator(mode="after")
    def _complete(self) -> PlanEditIn:
        needs = {
            "move": ("stop_id", "carer_id"),
            "remove": ("stop_id",),
            "insert": ("decision_visit_id", "carer_id"),
        }
        missing = [name for name in needs[self.action] if getattr(self, name) is None]
        if missing:
            raise ValueError(f"«{self.action}» trenger {', '.join(missing)}")
        return self


class PinIn(BaseModel):
    """«Fest» (`pinned`): the visit stays with its carer when the rest is optimised; `keep_time` also
    keeps its planned start."""

    pinned: bool
    keep_time: bool = False


class InsertOption(BaseModel):
    """A place an unassigned visit fits without pushing another visit out of its window."""

    carer_id: int
    carer_name: str
    position: int
    start: dt.datetime
    lateness_minutes: int
    added_travel_minutes: int


class PublishIn(BaseModel):
    """`confirm`: publish although the draft is stale (made before the plan now published, or before an
    absence registered since): the coordinator has read the warning."""

    confirm: bool = False


class LoadSlotPublic(BaseModel):
    start: dt.datetime
    label: str
    visits: int
    need_carers: float
    carers_on_shift: int
    overloaded: bool


class ContinuityRow(BaseModel):
    recipient_id: int
    recipient_name: str
    visits: int
    distinct_carers: int


class StandInPublic(BaseModel):
    """A carer who can be called in for an absent carer's shift, and why they rank where they do."""

    carer_id: int
    name: str
    team_id: int
    same_team: bool
    start: dt.datetime
    end: dt.datetime
    knows_recipients: int
    recipients: int
    hours_this_week: float
    position_hours: float


class StandInCallIn(BaseModel):
    """The carer the coordinator called in (one of the stand-ins offered)."""

    carer_id: IdField
