"""visits_for: the concrete visits of one local date, expanded from the active vedtak.

A vedtak is active on a date when valid_from ≤ date ≤ valid_to, the ISO weekday is in its weekdays and,
for interval_weeks > 1, the date's week is a whole number of intervals after valid_from's week.
Agreed windows are wall-clock times in Europe/Oslo turned into UTC instants for that date, so DST days
(23 h in March, 25 h in October) give the right instants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, select

from backend.common.enums import ServiceType, VisitPriority
from backend.common.localtime import local_instant, local_window
from backend.decisions.models import DecisionLink, DecisionVisit, ServiceDecision
from backend.recipients.models import Recipient


@dataclass(frozen=True)
class VisitLink:
    """The later visit starts at least min_gap and at most max_gap after the earlier one starts."""

    from_visit_id: int
    to_visit_id: int
    min_gap_minutes: int
    max_gap_minutes: int | None


@dataclass(frozen=True)
class DayVisit:
    """One visit to be made on a date: what the planner turns into a routing visit."""

    decision_visit_id: int
    decision_id: int
    recipient_id: int
    team_id: int
    date: dt.date
    label: str
    service_type: ServiceType
    window_start: dt.datetime
    window_end: dt.datetime
    window_hard: bool
    latest_acceptable: dt.datetime | None
    latest_start: dt.datetime | None
    minutes: int
    task_names: tuple[str, ...]
    required_competences: frozenset[str]
    double_staffed: bool
    priority: VisitPriority
    links: tuple[VisitLink, ...] = field(default=())

    @property
    def needs_nurse(self) -> bool:
        return "sykepleier" in self.required_competences


def decision_active_on(decision: ServiceDecision, day: dt.date) -> bool:
    if day < decision.valid_from or (decision.valid_to is not None and day > decision.valid_to):
        return False
    if day.isoweekday() not in decision.weekdays:
        return False
    if decision.interval_weeks > 1:
        week0 = decision.valid_from - dt.timedelta(days=decision.valid_from.weekday())
        week = day - dt.timedelta(days=day.weekday())
        return ((week - week0).days // 7) % decision.interval_weeks == 0
    return True


def _not_before(instant: dt.datetime | None, bound: dt.datetime) -> dt.datetime | None:
    """Keeps a limit on its window's right side where a DST shift moved the window past it."""
    return None if instant is None else max(instant, bound)


def expand_decision(
    decision: ServiceDecision,
    visits: list[DecisionVisit],
    links: list[DecisionLink],
    *,
    team_id: int,
    day: dt.date,
) -> list[DayVisit]:
    """The visits of one vedtak on one date (empty when the vedtak is not active then)."""
    if not decision_active_on(decision, day):
        return []
    assert decision.id is not None

    def at(clock: dt.time | None) -> dt.datetime | None:
        return None if clock is None else local_instant(day, clock)

    result = []
    for visit in visits:
        assert visit.id is not None
        tasks = visit.tasks
        own_links = tuple(
            VisitLink(link.from_visit_id, link.to_visit_id, link.min_gap_minutes, link.max_gap_minutes)
            for link in links
            if visit.id in (link.from_visit_id, link.to_visit_id)
        )
        competences = frozenset(str(t["competence"]) for t in tasks if t.get("competence"))
        start, end = local_window(day, visit.window_start, visit.window_end)
        result.append(
            DayVisit(
                decision_visit_id=visit.id,
                decision_id=decision.id,
                recipient_id=decision.recipient_id,
                team_id=team_id,
                date=day,
                label=visit.label,
                service_type=decision.service_type,
                window_start=start,
                window_end=end,
                window_hard=visit.window_hard,
                latest_acceptable=_not_before(at(visit.latest_acceptable), end),
                latest_start=_not_before(at(visit.latest_start), start),
                minutes=visit.minutes,
                task_names=tuple(str(t["name"]) for t in tasks),
                required_competences=competences,
                double_staffed=visit.double_staffed,
                priority=visit.priority,
                links=own_links,
            )
        )
    return result


def visits_for(session: Session, *, day: dt.date, team_id: int) -> list[DayVisit]:
    """All visits of a team's active recipients on a local date, ordered by window start."""
    rows = session.exec(
        select(ServiceDecision, Recipient)
        .join(Recipient, Recipient.id == ServiceDecision.recipient_id)  # type: ignore[arg-type]
        .where(Recipient.team_id == team_id, Recipient.active == True)  # noqa: E712
        .where(ServiceDecision.valid_from <= day)
    ).all()
    decisions = [(d, r) for d, r in rows if decision_active_on(d, day)]
    ids = [d.id for d, _ in decisions]
    all_visits = list(session.exec(select(DecisionVisit).where(DecisionVisit.decision_id.in_(ids))))  # type: ignore[attr-defined]
    all_links = list(session.exec(select(DecisionLink).where(DecisionLink.decision_id.in_(ids))))  # type: ignore[attr-defined]
    result: list[DayVisit] = []
    for decision, recipient in decisions:
        visits = sorted((v for v in all_visits if v.decision_id == decision.id), key=lambda v: v.id or 0)
        links = [link for link in all_links if link.decision_id == decision.id]
        result.extend(expand_decision(decision, visits, links, team_id=recipient.team_id, day=day))
    result.sort(key=lambda v: (v.window_start, v.recipient_id, v.decision_visit_id))
    return result
