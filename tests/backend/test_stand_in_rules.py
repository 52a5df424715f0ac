"""The rest rules a stand-in keeps (AML § 10-8: 11 hours between shifts), as a property: for any shift the
day before and the day after, a carer is offered exactly when the rules allow, from the earliest start they
allow. No database: the rule is pure."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.carers.models import Carer
from backend.common.enums import ShiftKind
from backend.common.localtime import local_instant
from backend.planning.stand_ins import REST_BETWEEN_SHIFTS, SHORTEST_STAND_IN, rest_allows
from backend.rota.models import RotaEntry

DAY = dt.date(2026, 11, 24)
START, END = local_instant(DAY, dt.time(7, 30)), local_instant(DAY, dt.time(15, 0))
SHIFT = dt.timedelta(hours=7, minutes=30)


def _shift(start: dt.datetime) -> RotaEntry:
    return RotaEntry(
        carer_id=1, date=start.date(), shift_kind=ShiftKind.evening, start=start, end=start + SHIFT
    )


@settings(max_examples=300, deadline=None)
@given(
    called=st.integers(0, 6 * 12),  # the earliest start the call allows, in 5 minutes after 07:30
    before=st.none() | st.integers(-24 * 60, 6 * 60),  # the shift before ends this many minutes from 07:30
    after=st.none() | st.integers(-6 * 60, 24 * 60),  # the next shift starts this many minutes after 15:00
)
def test_a_stand_in_is_offered_exactly_when_the_rest_allows(
    called: int, before: int | None, after: int | None
) -> None:
    earliest = START + dt.timedelta(minutes=5 * called)
    shifts = []
    if before is not None:
        shifts.append(_shift(START + dt.timedelta(minutes=before) - SHIFT))
    if after is not None:
        shifts.append(_shift(END + dt.timedelta(minutes=after)))
    start, reason = rest_allows(Carer(name="Vera", team_id=1), earliest, END, shifts, [])
    overlaps = any(s.start < END and s.end > earliest for s in shifts)
    rested_from = max([earliest] + [s.end + REST_BETWEEN_SHIFTS for s in shifts if s.end <= earliest])
    rested_before_next = all(s.start - END >= REST_BETWEEN_SHIFTS for s in shifts if s.start >= END)
    allowed = not overlaps and rested_before_next and END - rested_from >= SHORTEST_STAND_IN
    assert (reason is None) == allowed, (reason, shifts)
    if reason is None:
        assert start == rested_from
        assert all(start - s.end >= REST_BETWEEN_SHIFTS for s in shifts if s.end <= start)
