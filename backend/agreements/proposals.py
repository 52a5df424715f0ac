"""Which agreed windows to move, and where: the fewest, smallest moves that let the plan keep the week's
agreed times.

From a trial of the week with the windows as agreed (`trial_week`), each vedtak visit the planner could not
keep inside its window on some day gets the window of the same length, in 15-minute steps and at most four
hours away, that holds the most of its days: one that holds where the trial put it (nearest the agreed
time), or one at which a visit left out fits into the finished day. Only soft windows move; a time-critical
task, a fixed (hard) window and a day-centre departure never do; a move that would break a link of the
vedtak (lunch → dinner gap) or leave the shift is not made. A second trial with every proposed window
measures what they buy together; a proposal that gains no day there is dropped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from backend.agreements.trial_week import (
    MAX_MOVE_MIN,
    STEP_MIN,
    Occurrence,
    Window,
)
from backend.auth.service import Principal
from backend.common.enums import VisitPriority
from backend.common.localtime import local_instant, local_minutes
from backend.common.shifts import shift_of_instant
from backend.decisions.models import DecisionVisit, minutes_of
from backend.decisions.service import decision_in_scope, with_window
from backend.errors import InvalidInput

PEAK_NAMES = (
    (10 * 60, "morgentoppen"),
    (12 * 60, "formiddagen"),
    (17 * 60, "ettermiddagen"),
    (20 * 60, "kvelden"),
)


@dataclass(frozen=True)
class Proposal:
    decision_visit_id: int
    recipient_id: int
    label: str
    current: Window
    proposed: Window
    reason: str
    days: int
    days_before: int
    days_after: int = 0


def clock(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def movable(visit: DecisionVisit) -> bool:
    """Only a soft window without a time-critical task or a day-centre departure may be proposed moved."""
    return not (
        visit.window_hard
        or visit.time_critical
        or visit.priority == VisitPriority.day_centre
        or visit.latest_start is not None
    )


def _holds(occurrence: Occurrence, start: int, length: int) -> bool:
    if occurrence.start_min is not None:
        return start <= occurrence.start_min <= start + length
    return start in occurrence.fits_at


def _candidates(occurrences: list[Occurrence], length: int) -> set[int]:
    """Window starts worth trying: the nearest window that holds each late start, and each start at which a
    left-out visit fits."""
    found: set[int] = set()
    for o in occurrences:
        if o.on_time:
            continue
        if o.start_min is not None:
            found.add(-(-(o.start_min - length) // STEP_MIN) * STEP_MIN)
            found.add(o.start_min // STEP_MIN * STEP_MIN)
        found.update(o.fits_at)
    return found


def _same_shift(visit: DecisionVisit, day: dt.date, start: int) -> bool:
    agreed = local_instant(day, visit.window_start)
    return shift_of_instant(agreed) == shift_of_instant(local_instant(day, clock(start)))


def _keeps_links(session: Session, principal: Principal, visit: DecisionVisit, window: Window) -> bool:
    """The vedtak with this window still passes its own rules (a link's gap fits inside the windows)."""
    decision = decision_in_scope(session, principal=principal, decision_id=visit.decision_id)
    try:
        with_window(session, decision, visit.label, window, decision.valid_from)
    except InvalidInput:
        return False
    return True


def _reason(visit: DecisionVisit, missed: list[Occurrence], days: Iterable[dt.date]) -> str:
    """Why: how many visits whose agreed window overlaps this one the planner could not keep, on the worst
    day of the week."""
    start, end = minutes_of(visit.window_start), minutes_of(visit.window_end)
    worst = max(
        (
            sum(
                1
                for o in missed
                if o.day == d
                and local_minutes(o.visit.window_start) < end
                and local_minutes(o.visit.window_end) > start
            )
            for d in days
        ),
        default=0,
    )
    name = next((n for limit, n in PEAK_NAMES if start < limit), "kveldstoppen")
    return (
        f"{name} {visit.window_start:%H:%M}–{visit.window_end:%H:%M}: {worst} besøk mer enn pleierne rekker"
        if worst > 1
        else f"{visit.window_start:%H:%M}–{visit.window_end:%H:%M}: pleierne rekker ikke besøket i avtalt tid"
    )


def propose(session: Session, principal: Principal, occurrences: list[Occurrence]) -> list[Proposal]:
    """A window for each vedtak visit the trial missed on some day, where another window holds more days."""
    by_visit: dict[int, list[Occurrence]] = defaultdict(list)
    for o in occurrences:
        by_visit[o.visit.decision_visit_id].append(o)
    missed = [o for o in occurrences if not o.on_time]
    result = []
    for visit_id, own in sorted(by_visit.items()):
        if all(o.on_time for o in own):
            continue
        visit = session.get(DecisionVisit, visit_id)
        if visit is None or not movable(visit):
            continue
        agreed, length = (
            minutes_of(visit.window_start),
            minutes_of(visit.window_end) - minutes_of(visit.window_start),
        )
        before = sum(o.on_time for o in own)
        ranked = sorted(
            (
                c
                for c in _candidates(own, length)
                if c != agreed and abs(c - agreed) <= MAX_MOVE_MIN and c >= 0 and c + length < 24 * 60
            ),
            key=lambda c: (-sum(_holds(o, c, length) for o in own), abs(c - agreed)),
        )
        for start in ranked:
            if sum(_holds(o, start, length) for o in own) <= before:
                break
            window = (clock(start), clock(start + length))
            if _same_shift(visit, own[0].day, start) and _keeps_links(session, principal, visit, window):
                result.append(
                    Proposal(
                        visit_id,
                        own[0].visit.recipient_id,
                        visit.label,
                        (visit.window_start, visit.window_end),
                        window,
                        _reason(visit, missed, [o.day for o in own]),
                        len(own),
                        before,
                    )
                )
                break
    return result
