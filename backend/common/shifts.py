"""Shift hours: the one definition of which shift serves an agreed time, used by planning, the peak-load
chart, hand-laid plans and the simulator (local clock hours; the night runs past midnight, 23-30 = 23-06)."""

from __future__ import annotations

import datetime as dt

from backend.common.enums import ShiftKind
from backend.common.localtime import OSLO

SHIFT_HOURS: dict[ShiftKind, tuple[int, int]] = {
    ShiftKind.day: (6, 15),
    ShiftKind.evening: (15, 23),
    ShiftKind.night: (23, 30),
}


def shift_of_hour(hour: int) -> ShiftKind:
    """The shift whose carers make a visit whose agreed window starts at this local hour."""
    for kind, (first, last) in SHIFT_HOURS.items():
        if first <= hour < last or first <= hour + 24 < last:
            return kind
    return ShiftKind.night


def shift_of_instant(window_start: dt.datetime) -> ShiftKind:
    """The shift of an agreed window by its local start (a UTC instant)."""
    return shift_of_hour(window_start.astimezone(OSLO).hour)
