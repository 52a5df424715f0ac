"""Expected start of each visit left on a route, from the carer's actual progress.

The carer follows the list: a visit starts at the later of its planned start and the moment the carer can
be there (leaving the previous place after its check-out, or its planned end if it has not ended yet, plus
the travel time from the road network's matrix stored on the stop). A visit not started by now cannot
start before now. The planned break is taken where it was planned. mobile_pwa/eta.js is the same rule for
the tablet when offline; tests/data/eta_cases.json holds cases both must agree on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from backend.common.enums import VisitStatus
from backend.common.lateness import lateness_minutes
from backend.visits.status import status_of


@dataclass(frozen=True)
class EtaStop:
    stop_id: int
    window_end: dt.datetime
    planned_start: dt.datetime
    minutes: int
    travel_seconds: int  # from the previous place on the route
    checked_in: dt.datetime | None = None
    checked_out: dt.datetime | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Eta:
    stop_id: int
    expected_start: dt.datetime | None  # None for a cancelled visit
    expected_end: dt.datetime | None
    lateness_minutes: int  # expected start after the agreed window's end (0 when within)
    state: VisitStatus  # as backend.visits.status.status_of tells it from the events


def expected_starts(
    stops: Sequence[EtaStop],
    now: dt.datetime,
    *,
    break_start: dt.datetime | None = None,
    break_minutes: int = 0,
) -> list[Eta]:
    """Why: a delay notice and the tablet's "Forsinket" screen both need the same, explainable estimate."""
    result: list[Eta] = []
    free_at: dt.datetime | None = None  # when the carer can leave the last place
    break_due = break_start is not None and break_minutes > 0
    for stop in stops:
        state = status_of(stop.checked_in, stop.checked_out, stop.cancelled)
        if state == VisitStatus.cancelled:
            result.append(Eta(stop.stop_id, None, None, 0, state))
            continue
        if state != VisitStatus.planned:
            if stop.checked_out is not None:
                start = stop.checked_in or stop.checked_out - dt.timedelta(minutes=stop.minutes)
                end = stop.checked_out
            else:
                assert stop.checked_in is not None
                start = stop.checked_in
                end = max(start + dt.timedelta(minutes=stop.minutes), now)
            free_at = end
            if break_due and break_start is not None and start >= break_start:
                break_due = False  # the carer is past the planned break
            result.append(Eta(stop.stop_id, start, end, lateness_minutes(start, stop.window_end), state))
            continue
        earliest = stop.planned_start
        if free_at is not None:
            leave = free_at
            if break_due and break_start is not None and break_start < stop.planned_start:
                leave = max(leave, break_start) + dt.timedelta(minutes=break_minutes)
                break_due = False
            earliest = max(earliest, leave + dt.timedelta(seconds=stop.travel_seconds))
        start = max(earliest, now)
        end = start + dt.timedelta(minutes=stop.minutes)
        free_at = end
        result.append(Eta(stop.stop_id, start, end, lateness_minutes(start, stop.window_end), state))
    return result
