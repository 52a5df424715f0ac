"""Lateness: the one definition of how late a visit starts, used by planning (hand-laid plans, the re-plan
diff), the carer's live ETA, delay notices, KPIs and the simulator. A visit is late by the time its start
falls after the agreed window's end; a start inside (or before) the window is not late."""

from __future__ import annotations

import datetime as dt


def lateness_seconds(start: dt.datetime, window_end: dt.datetime) -> float:
    """Seconds the start falls after the window's end (0 within)."""
    return max(0.0, (start - window_end).total_seconds())


def lateness_minutes(start: dt.datetime, window_end: dt.datetime) -> int:
    """Whole minutes late, as shown to carers and written in notices."""
    return int(lateness_seconds(start, window_end) // 60)
