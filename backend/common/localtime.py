"""Local (Europe/Oslo) wall-clock time ↔ UTC instants, correct on DST days.

Rules: a wall-clock time that does not exist (02:30 on the spring-forward day) moves forward by the
gap (→ 03:30); one that occurs twice (02:30 on the fall-back day) means its first occurrence.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def local_instant(day: dt.date, clock: dt.time, tz: ZoneInfo = OSLO) -> dt.datetime:
    """The UTC instant of a wall-clock time on a local date."""
    # fold=0 gives the first occurrence of a repeated time and, for a time in the spring gap, the
    # pre-transition offset, which is exactly the forward shift (PEP 495).
    local = dt.datetime.combine(day, clock.replace(tzinfo=None)).replace(tzinfo=tz, fold=0)
    return local.astimezone(dt.UTC)


def exists_locally(day: dt.date, clock: dt.time, tz: ZoneInfo = OSLO) -> bool:
    """False for a wall-clock time in the spring-forward gap (02:30 on the last Sunday of March)."""
    return local_instant(day, clock, tz).astimezone(tz).time() == clock.replace(tzinfo=None)


def local_window(
    day: dt.date, start: dt.time, end: dt.time, tz: ZoneInfo = OSLO
) -> tuple[dt.datetime, dt.datetime]:
    """A recurring wall-clock window (an agreed time) on one date, never inverted: where the start falls in
    the spring gap and moves forward past the end (02:30-03:10 → 03:30-03:10), the window moves as a whole
    and keeps its length (03:30-04:10)."""
    begin, finish = local_instant(day, start, tz), local_instant(day, end, tz)
    if finish < begin:
        wall = dt.datetime.combine(day, end) - dt.datetime.combine(day, start)
        finish = begin + wall
    return begin, finish


def local_midnight(day: dt.date, tz: ZoneInfo = OSLO) -> dt.datetime:
    """The UTC instant at which the local day starts."""
    return local_instant(day, dt.time(0, 0), tz)


def day_length_seconds(day: dt.date, tz: ZoneInfo = OSLO) -> int:
    """Real elapsed seconds in a local day: 82,800 / 86,400 / 90,000."""
    return int((local_midnight(day + dt.timedelta(days=1), tz) - local_midnight(day, tz)).total_seconds())


def seconds_since_local_midnight(instant: dt.datetime, day: dt.date, tz: ZoneInfo = OSLO) -> int:
    """What the solver works in: real seconds elapsed since the plan day's local midnight."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return int((instant - local_midnight(day, tz)).total_seconds())


def local_date_of(instant: dt.datetime, tz: ZoneInfo = OSLO) -> dt.date:
    return instant.astimezone(tz).date()


WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


def weekday_name(day: dt.date) -> str:
    """The Norwegian weekday (the printed kjøreliste; never the server locale's English)."""
    return WEEKDAYS[day.weekday()]


def local_clock(instant: dt.datetime, tz: ZoneInfo = OSLO) -> str:
    """HH:MM in local time, as shown to coordinators and carers."""
    return instant.astimezone(tz).strftime("%H:%M")


def local_minutes(instant: dt.datetime, tz: ZoneInfo = OSLO) -> int:
    """An instant as minutes since local midnight (the wall clock a recipient reads)."""
    local = instant.astimezone(tz)
    return local.hour * 60 + local.minute
