"""Column types and validated field types shared by all domains."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, Field
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id")]
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("teksten inneholder kontrolltegn som ikke kan lagres")
    return value.strip()


def _clean_name(value: str) -> str:
    cleaned = _clean_text(value)
    if not cleaned:
        raise ValueError("feltet kan ikke være tomt eller bare mellomrom")
    return cleaned


ShortText = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean_name)]
LongText = Annotated[str, Field(max_length=2000), AfterValidator(_clean_text)]


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores instants as naive UTC (portable to SQLite) and hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware instant is required")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


_clock: list[Callable[[], dt.datetime]] = []


def utcnow() -> dt.datetime:
    """The server's clock: the wall clock, or the simulated one while a day is replayed (`server_clock`)."""
    return _clock[-1]() if _clock else dt.datetime.now(dt.UTC)


@contextmanager
def server_clock(now: Callable[[], dt.datetime]) -> Iterator[None]:
    """Run the server on another clock: the day simulator replays a day at its own pace, and every rule that
    reads the time (notice policy, ETAs, quiet hours, gateway acceptance) sees the simulated time."""
    _clock.append(now)
    try:
        yield
    finally:
        _clock.pop()


def _sane_day(value: dt.date) -> dt.date:
    if not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
        raise ValueError("datoen må ligge mellom 2000 og 2100")
    return value


def _aware_instant(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("tidspunktet må ha tidssone (f.eks. 2026-11-23T07:30:00+01:00)")
    _sane_day(value.date())
    return value.astimezone(dt.UTC)


def wall_clock(value: dt.time) -> dt.time:
    """A local clock time as the product means it: without a zone (08:00, not 08:00+01:00)."""
    if value.tzinfo is not None:
        raise ValueError("klokkeslett oppgis i lokal tid uten tidssone (f.eks. 08:00)")
    return value


Day = Annotated[dt.date, AfterValidator(_sane_day)]
# a local wall-clock time (agreed windows, shifts, «Fra kl.»): "08:00+01:00" is refused, not compared with
# naive times further in
WallClock = Annotated[dt.time, AfterValidator(wall_clock)]
Instant = Annotated[dt.datetime, AfterValidator(_aware_instant)]
