"""Brute-force protection for logins: after a few failures an account (and, with a higher allowance, an
address) must wait before the next try, the wait doubling with each further failure. Even the right
password is refused while waiting, so guessing cannot go faster than the back-off."""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from backend.auth.models import LoginThrottle
from backend.common.types import utcnow
from backend.errors import TooManyRequests

FREE_FAILURES = {"user": 5, "addr": 20}
FIRST_WAIT = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(hours=1)


def throttle_keys(username: str, address: str | None) -> list[str]:
    """The counters a login attempt touches: its account and, when known, the address it came from."""
    keys = [f"user:{username.strip().lower()[:100]}"]
    if address:
        keys.append(f"addr:{address[:45]}")
    return keys


def refuse_if_waiting(session: Session, keys: list[str]) -> None:
    """Raise 429 with the seconds left when any of the counters is still in its back-off."""
    now = utcnow()
    rows = session.exec(select(LoginThrottle).where(col(LoginThrottle.key).in_(keys))).all()
    waits = [row.blocked_until - now for row in rows if row.blocked_until and row.blocked_until > now]
    if waits:
        seconds = math.ceil(max(waits).total_seconds())
        raise TooManyRequests(
            f"For mange mislykkede innlogginger. Vent {_readable(seconds)} før du prøver igjen.",
            retry_after=seconds,
        )


def record_failure(session: Session, keys: list[str]) -> None:
    """Count one failure on each counter (atomically, so parallel guesses all count) and set its back-off."""
    now = utcnow()
    for key in keys:
        _count(session, key, now)
        row = session.get(LoginThrottle, key)
        assert row is not None
        over = row.failures - FREE_FAILURES[key.split(":", 1)[0]]
        if over > 0:
            row.blocked_until = now + min(LONGEST_WAIT, FIRST_WAIT * 2 ** min(over - 1, 10))
            session.add(row)
    session.commit()


def record_success(session: Session, username: str) -> None:
    """A right password clears the account's count (not the address's: one known login must not wash the
    address clean for guessing at others)."""
    session.exec(delete(LoginThrottle).where(col(LoginThrottle.key) == throttle_keys(username, None)[0]))
    session.commit()


def _count(session: Session, key: str, now: dt.datetime) -> None:
    stale = now - FORGET_AFTER
    counted = session.exec(
        update(LoginThrottle)
        .where(col(LoginThrottle.key) == key)
        .values(
            failures=_next_count(stale),
            last_failure=now,
        )
    )
    if counted.rowcount:
        return
    try:
        with session.begin_nested():
            session.add(LoginThrottle(key=key, failures=1, last_failure=now))
    except IntegrityError:  # a parallel failure made the row first: count on it
        session.exec(
            update(LoginThrottle).where(col(LoginThrottle.key) == key).values(failures=_next_count(stale))
        )


def _next_count(stale: dt.datetime) -> object:
    """Failures older than FORGET_AFTER are forgotten: the count starts again at one."""
    return case((col(LoginThrottle.last_failure) < stale, 1), else_=col(LoginThrottle.failures) + 1)


def _readable(seconds: int) -> str:
    return f"{seconds} sekunder" if seconds < 120 else f"{math.ceil(seconds / 60)} minutter"
