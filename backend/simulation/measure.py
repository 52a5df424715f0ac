"""The simulated days' figures, counted by the KPI definitions (backend.kpis) the dashboard uses, plus the
one thing a simulation adds: every visit the vedtak asked for counts, also those nobody made (left out of
the plan, on a sick carer's list, an urgent visit nobody laid in), so a plan cannot look punctual by
leaving visits out."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from backend.common.enums import ShiftKind
from backend.common.types import utcnow
from backend.decisions.expansion import visits_for
from backend.kpis.definitions import (
    PART_OF_HOUR,
    Kpis,
    RouteRecord,
    VisitRecord,
    compute,
    daily_carers,
    local_hour,
    naive_utc,
)
from backend.kpis.records import load_records
from backend.kpis.service import early_tolerance_of
from backend.notices.outbox import municipality
from backend.planning.translate import shift_of
from backend.recipients.models import NextOfKin, Recipient
from backend.teams.models import Team


@dataclass(frozen=True)
class Figures:
    due: int  # visits (double-staffed: each carer's half) the vedtak asked for, day and evening shifts
    started_in_window: int
    punctual_pct: float
    punctual_morning_pct: float | None
    punctual_evening_pct: float | None
    never_made: int
    notice_threshold_min: int
    late_beyond_threshold: int
    noticed_beyond_threshold_pct: float | None
    late_consenting: int  # late beyond the threshold, for a recipient or next of kin who consented to SMS
    noticed_consenting_pct: float | None
    kpis: Kpis
    # planned drive minutes per visit made: the travel share rises with every visit a plan finds room for
    # (more visits made by the same paid hours), so plans that make different numbers of visits compare here
    travel_min_per_visit: float | None = None

    def lines(self) -> list[str]:
        k = self.kpis
        return [
            f"visits due {self.due}, started within the agreed window {self.started_in_window} "
            f"({self.punctual_pct:.1f} %; morning {_pct(self.punctual_morning_pct)}, "
            f"evening {_pct(self.punctual_evening_pct)}), never made {self.never_made}",
            f"late visits {k.late_visits}: lateness mean {_num(k.lateness_mean_min)} min, "
            f"p90 {_num(k.lateness_p90_min)} min; notice coverage {_pct(k.notice_coverage_pct)} "
            f"({_pct(self.noticed_beyond_threshold_pct)} of the {self.late_beyond_threshold} visits late "
            f"≥ {self.notice_threshold_min} min, the municipality's notice threshold; "
            f"{_pct(self.noticed_consenting_pct)} of the {self.late_consenting} of them whose recipient or "
            "next of kin consented to SMS)",
            f"travel share {_pct(k.travel_pct)}, face-to-face share {_pct(k.face_to_face_pct)}, "
            f"distinct carers per recipient {_num(k.distinct_carers_7d)} (7 days), "
            f"{_num(self.travel_min_per_visit)} drive minutes per visit made",
        ]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def _consenting(session: Session) -> set[int]:
    """Recipients a delay notice may reach: their own consent and mobile, or a consenting next of kin."""
    own = session.exec(
        select(Recipient.id).where(Recipient.notice_consent == True, col(Recipient.phone).is_not(None))  # noqa: E712
    ).all()
    kin = session.exec(select(NextOfKin.recipient_id).where(NextOfKin.notice_consent == True)).all()  # noqa: E712
    return {int(r) for r in own if r is not None} | set(kin)


def _drive_minutes_per_visit(made: list[VisitRecord], routes: list[RouteRecord]) -> float | None:
    """Planned drive minutes of the lists whose carer made a visit that day, per visit `made`: a list a sick
    carer never began (the baseline keeps it published) drove nothing."""
    worked = {(v.carer_id, v.date) for v in made}
    travel = sum(r.travel_seconds for r in routes if (r.carer_id, r.date) in worked)
    return round(travel / 60 / len(made), 2) if made else None


def measure(session: Session, *, start: dt.date, end: dt.date) -> Figures:
    """The figures of the days from start to end (inclusive) over every team."""
    team_ids = [t.id or 0 for t in session.exec(select(Team).order_by(col(Team.id)))]
    visits, routes = load_records(session, team_ids=team_ids, start=start, end=end)
    tolerance = early_tolerance_of(session)
    kpis = compute(
        visits, routes, daily=daily_carers(visits), period_end=end, now=utcnow(), early_tolerance=tolerance
    )
    due: Counter[str] = Counter()
    day = start
    while day <= end:
        for team_id in team_ids:
            for visit in visits_for(session, day=day, team_id=team_id):
                if shift_of(visit) in (ShiftKind.day, ShiftKind.evening):
                    due[PART_OF_HOUR[local_hour(naive_utc(visit.window_start))]] += (
                        2 if visit.double_staffed else 1
                    )
        day += dt.timedelta(days=1)
    on_time: Counter[str] = Counter(v.part for v in visits if not v.cancelled and v.punctual(tolerance))
    threshold = municipality(session).notice_threshold_minutes
    beyond = [v for v in visits if not v.cancelled and v.lateness_minutes >= max(threshold, 1)]
    noticed = [v for v in beyond if v.notice_accepted_at is not None and v.notice_accepted_at <= v.window_end]
    consenting = _consenting(session)
    beyond_consenting = [v for v in beyond if v.recipient_id in consenting]
    noticed_consenting = [v for v in noticed if v.recipient_id in consenting]
    made = [v for v in visits if v.check_in is not None and not v.cancelled]
    total_due, total_on_time = sum(due.values()), sum(on_time.values())
    return Figures(
        due=total_due,
        started_in_window=total_on_time,
        punctual_pct=_share(total_on_time, total_due) or 0.0,
        punctual_morning_pct=_share(on_time["morning"], due["morning"]),
        punctual_evening_pct=_share(on_time["evening"], due["evening"]),
        never_made=max(0, total_due - len(made)),
        notice_threshold_min=threshold,
        late_beyond_threshold=len(beyond),
        noticed_beyond_threshold_pct=_share(len(noticed), len(beyond)),
        late_consenting=len(beyond_consenting),
        noticed_consenting_pct=_share(len(noticed_consenting), len(beyond_consenting)),
        kpis=kpis,
        travel_min_per_visit=_drive_minutes_per_visit(made, routes),
    )
