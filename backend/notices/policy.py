"""When a recipient gets a notice. The rules live here, on the server, whoever asks (tablet, ETA, re-plan).

Defaults: notify when the expected start lies at least `notice_threshold_minutes` (15) after the agreed
window's end, or, in the last CLOSING_WINDOW_MINUTES (10) of the window, when it lies after the end at all
(a small delay still leaves someone waiting, and a notice counts only before the window ends); a new notice for the same visit only when the estimate has moved at least that much further;
only recipients who consented themselves or through a next-of-kin contact; none 21:00-07:00 unless the visit
itself is then. A visit moved outside its window by re-planning, or cancelled, gets its own kind.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from backend.common.localtime import OSLO
from backend.recipients.models import NextOfKin, Recipient


def has_consent(session: Session, recipient: Recipient) -> bool:
    """The recipient or at least one next of kin agreed to SMS notices."""
    if recipient.notice_consent:
        return True
    kin = session.exec(
        select(NextOfKin).where(NextOfKin.recipient_id == recipient.id, NextOfKin.notice_consent == True)  # noqa: E712
    ).first()
    return kin is not None


CLOSING_WINDOW_MINUTES = 10


def window_closing(now: dt.datetime, window_end: dt.datetime) -> bool:
    """The agreed window ends within CLOSING_WINDOW_MINUTES: the last moment a notice still helps."""
    return now >= window_end - dt.timedelta(minutes=CLOSING_WINDOW_MINUTES)


def delay_decision(
    *,
    lateness_minutes: int,
    threshold_minutes: int,
    consented: bool,
    last_notified_lateness: int | None,
    closing: bool = False,
) -> str:
    """created | already | not_late | no_consent — the reason shown to the carer for each visit. `closing`:
    the window is about to end, so any expected lateness is worth a first notice."""
    if last_notified_lateness is not None:
        if lateness_minutes < last_notified_lateness + threshold_minutes:
            return "already"
    elif lateness_minutes < (1 if closing else max(1, threshold_minutes)):
        return "not_late"
    if not consented:
        return "no_consent"
    return "created"


QUIET_START = dt.time(21, 0)  # defaults; a municipality sets its own (notice_quiet_start/_end)
QUIET_END = dt.time(7, 0)


def in_quiet_hours(instant: dt.datetime, start: dt.time = QUIET_START, end: dt.time = QUIET_END) -> bool:
    clock = instant.astimezone(OSLO).time()
    if start == end:
        return False  # no quiet hours
    return (clock >= start or clock < end) if start > end else start <= clock < end


def quiet_now(
    now: dt.datetime, window_start: dt.datetime, start: dt.time = QUIET_START, end: dt.time = QUIET_END
) -> bool:
    """No notices in the quiet hours (default 21:00-07:00) unless the visit itself is then."""
    return in_quiet_hours(now, start, end) and not in_quiet_hours(window_start, start, end)
