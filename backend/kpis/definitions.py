"""The KPI definitions, implemented once (API, dashboard, CSV, PDF and the benchmark all use these).

For a team and a period, over the stops of published plans (superseded plans do not count):
- punctuality_pct = visits whose check-in lies in [window start − early tolerance, window end] / visits
  checked in; split by the window's start: morning 06-11, day 11-15, evening 15-23 (local time);
- late visits are checked in after the window end; lateness_mean_min and lateness_p90_min are over late
  visits (minutes after the window end; p90 by nearest rank);
- missed visits: planned, not reported not done, window ended, never checked in; not_done_visits: reported
  «ikke utført» by the carer (with a reason), not_home_visits: of those, «ikke hjemme»;
- notice_coverage_pct = late visits whose recipient had an SMS accepted by the gateway before the window
  ended / late visits (empty when no visit was late);
- face_to_face_pct = Σ(check-out − check-in) / Σ paid shift time (route shift end − start);
  travel_pct = Σ planned travel / paid time; waiting_pct = Σ planned waiting (start − arrival) / paid time;
- continuity: mean distinct carers per recipient over the 7, 14 and 28 days ending with the period's last
  day; primary_contact_pct = checked-in visits by the recipient's primary contact / checked-in visits of
  recipients who have one;
- delivered_vs_allocated_pct = Σ actual visit minutes (check-out − check-in) / Σ vedtak minutes of the
  planned visits (planned end − start), per team (and per recipient in the drill-down);
- minutes_diff_mean = mean over completed visits of actual − planned minutes;
- start_spread_p50_min / start_spread_p90_min: predictability across days. For each vedtak visit checked in
  on two or more days of the period, its spread is the largest distance (minutes, local clock) of a
  check-in from the median check-in («08:10 ± 10 min» → 10); the KPIs are the median and the 90th
  percentile (nearest rank) of those spreads.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from backend.common.lateness import lateness_seconds
from backend.common.localtime import OSLO

PARTS = (("morning", 6, 11), ("day", 11, 15), ("evening", 15, 23))
PART_OF_HOUR = [next((name for name, start, end in PARTS if start <= h < end), "night") for h in range(24)]


@lru_cache(maxsize=20_000)
def _utc_offset(day: dt.date, hour: int) -> dt.timedelta:
    offset = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC).astimezone(OSLO).utcoffset()
    return offset or dt.timedelta(0)


def local_hour(naive_utc: dt.datetime) -> int:
    """The Oslo wall-clock hour of a naive UTC instant (cached per UTC hour: fast over a year of visits)."""
    return (naive_utc + _utc_offset(naive_utc.date(), naive_utc.hour)).hour


def naive_utc(instant: dt.datetime) -> dt.datetime:
    return instant if instant.tzinfo is None else instant.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(slots=True)
class VisitRecord:
    """One visit as the KPIs see it (not frozen: a year of them is built quickly). Instants are naive UTC: a year of visits is compared and subtracted
    without time-zone arithmetic; local time only where it matters (part of day)."""

    team_id: int
    date: dt.date
    stop_id: int
    recipient_id: int
    carer_id: int
    primary_carer_id: int | None
    window_start: dt.datetime
    window_end: dt.datetime
    planned_arrival: dt.datetime
    planned_start: dt.datetime
    planned_end: dt.datetime
    check_in: dt.datetime | None
    check_out: dt.datetime | None
    cancelled: bool  # reported not done («ikke utført»)
    notice_accepted_at: dt.datetime | None  # earliest SMS accepted for this visit
    not_done_reason: str | None = None  # NotDoneReason's value when cancelled
    planned_minutes: float = 0.0  # the derived values are set once, by derive()
    actual_minutes: float | None = None
    lateness_minutes: float = 0.0
    part: str = ""
    decision_visit_id: int | None = None  # the vedtak visit: the same visit across days

    def derive(self) -> VisitRecord:
        """The record with its minutes and part of day worked out (once, not per KPI)."""
        actual = None
        if self.check_in is not None and self.check_out is not None:
            actual = max(0.0, (self.check_out - self.check_in).total_seconds() / 60)
        late = 0.0 if self.check_in is None else lateness_seconds(self.check_in, self.window_end) / 60
        hour = local_hour(self.window_start)
        # set in place on the new record (frozen for everyone else); dataclasses.replace is too slow here
        object.__setattr__(
            self, "planned_minutes", (self.planned_end - self.planned_start).total_seconds() / 60
        )
        object.__setattr__(self, "actual_minutes", actual)
        object.__setattr__(self, "lateness_minutes", late)
        object.__setattr__(self, "part", PART_OF_HOUR[hour])
        return self

    def punctual(self, early_tolerance: dt.timedelta) -> bool:
        return (
            self.check_in is not None
            and self.window_start - early_tolerance <= self.check_in <= self.window_end
        )


@dataclass(frozen=True, slots=True)
class RouteRecord:
    team_id: int
    date: dt.date
    paid_seconds: float
    travel_seconds: float
    carer_id: int


class Kpis(BaseModel):
    """Every KPI of one team and period (the API's weekly row adds the team and the week)."""

    model_config = ConfigDict(frozen=True)

    visits: int
    checked_in: int
    punctuality_pct: float | None
    punctuality_morning_pct: float | None
    punctuality_day_pct: float | None
    punctuality_evening_pct: float | None
    late_visits: int
    lateness_mean_min: float | None
    lateness_p90_min: float | None
    missed_visits: int
    not_done_visits: int = 0
    not_home_visits: int = 0
    notice_coverage_pct: float | None
    face_to_face_pct: float | None
    travel_pct: float | None
    waiting_pct: float | None
    distinct_carers_7d: float | None
    distinct_carers_14d: float | None
    distinct_carers_28d: float | None
    primary_contact_pct: float | None
    delivered_vs_allocated_pct: float | None
    minutes_diff_mean: float | None
    start_spread_p50_min: float | None = None
    start_spread_p90_min: float | None = None


def _pct(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(100 * part / whole, 1)


def _mean(values: Sequence[float]) -> float | None:
    return None if not values else round(sum(values) / len(values), 1)


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)], 1)


CONTINUITY_DAYS = (7, 14, 28)
DailyCarers = dict[dt.date, dict[int, set[int]]]


def daily_carers(history: Iterable[VisitRecord]) -> DailyCarers:
    """Per day, the carers who checked in at each recipient: what continuity is counted from."""
    daily: DailyCarers = defaultdict(lambda: defaultdict(set))
    for visit in history:
        if visit.check_in is not None:
            daily[visit.date][visit.recipient_id].add(visit.carer_id)
    return daily


def distinct_carers(daily: DailyCarers, end: dt.date) -> list[float | None]:
    """Mean distinct carers per recipient over the 7, 14 and 28 days ending on `end` (one growing union)."""
    seen: dict[int, set[int]] = defaultdict(set)
    result: list[float | None] = []
    for back in range(max(CONTINUITY_DAYS)):
        for recipient, carers in daily.get(end - dt.timedelta(days=back), {}).items():
            seen[recipient] |= carers
        if back + 1 in CONTINUITY_DAYS:
            result.append(_mean([len(c) for c in seen.values()]))
    return result


def local_minute_of_day(naive_utc: dt.datetime) -> int:
    local = naive_utc + _utc_offset(naive_utc.date(), naive_utc.hour)
    return local.hour * 60 + local.minute


def start_spreads(checked: Iterable[VisitRecord]) -> list[float]:
    """Per vedtak visit checked in on two or more days: how far its check-ins stray from their median."""
    minutes: dict[int, list[int]] = defaultdict(list)
    for visit in checked:
        if visit.decision_visit_id is not None and visit.check_in is not None:
            minutes[visit.decision_visit_id].append(local_minute_of_day(visit.check_in))
    return spreads_of(minutes)


def spreads_of(minutes: Mapping[int, Sequence[int]]) -> list[float]:
    """For each visit seen on two or more days (its minutes of the day): the largest distance from the median."""
    spreads = []
    for values in minutes.values():
        if len(values) >= 2:
            middle = statistics.median(values)
            spreads.append(float(max(abs(m - middle) for m in values)))
    return spreads


def median(values: Sequence[float]) -> float | None:
    return None if not values else round(float(statistics.median(values)), 1)


def compute(
    visits: Sequence[VisitRecord],
    routes: Sequence[RouteRecord],
    *,
    daily: DailyCarers,
    period_end: dt.date,
    now: dt.datetime,
    early_tolerance: dt.timedelta = dt.timedelta(0),
) -> Kpis:
    """Why: one implementation, so the dashboard, the API, the exports and the audit report agree."""
    now = naive_utc(now)
    continuity = distinct_carers(daily, period_end)
    live = [v for v in visits if not v.cancelled]
    checked = [v for v in live if v.check_in is not None]
    by_part: dict[str, list[VisitRecord]] = defaultdict(list)
    for visit in checked:
        by_part[visit.part].append(visit)

    def punctuality(group: Sequence[VisitRecord]) -> float | None:
        return _pct(sum(v.punctual(early_tolerance) for v in group), len(group))

    late = [v for v in checked if v.lateness_minutes > 0]
    lateness = [v.lateness_minutes for v in late]
    noticed = [v for v in late if v.notice_accepted_at is not None and v.notice_accepted_at <= v.window_end]
    completed = [v for v in checked if v.actual_minutes is not None]
    paid = sum(r.paid_seconds for r in routes)
    face_to_face = sum((v.actual_minutes or 0) * 60 for v in completed)
    waiting = sum(max(0.0, (v.planned_start - v.planned_arrival).total_seconds()) for v in live)
    with_primary = [v for v in checked if v.primary_carer_id is not None]
    spreads = start_spreads(checked)
    return Kpis(
        visits=len(live),
        checked_in=len(checked),
        punctuality_pct=punctuality(checked),
        punctuality_morning_pct=punctuality(by_part["morning"]),
        punctuality_day_pct=punctuality(by_part["day"]),
        punctuality_evening_pct=punctuality(by_part["evening"]),
        late_visits=len(late),
        lateness_mean_min=_mean(lateness),
        lateness_p90_min=p90(lateness),
        missed_visits=sum(1 for v in live if v.check_in is None and v.window_end < now),
        not_done_visits=sum(1 for v in visits if v.cancelled),
        not_home_visits=sum(1 for v in visits if v.not_done_reason == "not_home"),
        notice_coverage_pct=_pct(len(noticed), len(late)),
        face_to_face_pct=_pct(face_to_face, paid),
        travel_pct=_pct(sum(r.travel_seconds for r in routes), paid),
        waiting_pct=_pct(waiting, paid),
        distinct_carers_7d=continuity[0],
        distinct_carers_14d=continuity[1],
        distinct_carers_28d=continuity[2],
        primary_contact_pct=_pct(
            sum(v.carer_id == v.primary_carer_id for v in with_primary), len(with_primary)
        ),
        delivered_vs_allocated_pct=_pct(
            sum(v.actual_minutes or 0 for v in live), sum(v.planned_minutes for v in live)
        ),
        minutes_diff_mean=_mean([(v.actual_minutes or 0) - v.planned_minutes for v in completed]),
        start_spread_p50_min=median(spreads),
        start_spread_p90_min=p90(spreads),
    )


def control_limits(values: Sequence[float | None]) -> tuple[float | None, float | None, float | None]:
    """Run chart (XmR): mean, and mean ± 2.66 × the mean moving range, over the points that exist."""
    points = [v for v in values if v is not None]
    if not points:
        return None, None, None
    mean = sum(points) / len(points)
    ranges = [abs(b - a) for a, b in itertools.pairwise(points)]
    spread = 2.66 * (sum(ranges) / len(ranges)) if ranges else 0.0
    return round(mean, 1), round(mean - spread, 1), round(mean + spread, 1)
