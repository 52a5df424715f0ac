"""The SMS that tells a recipient a standing agreed time has changed from a date, under the delay notices'
rules: to the recipient and the next of kin who consented to notices, never twice (one notice key per
accepted proposal), and not in the quiet hours: written then, it waits in the outbox until they end. Times
only: no visit name, no task, no health information."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.common.localtime import OSLO, local_instant
from backend.notices.models import Notice
from backend.notices.outbox import add_messages, municipality
from backend.notices.policy import has_consent, in_quiet_hours
from backend.notices.texts import render_agreed_time
from backend.recipients.models import Recipient
from backend.settings import Settings

Window = tuple[dt.time, dt.time]


def first_allowed(now: dt.datetime, quiet_start: dt.time, quiet_end: dt.time) -> dt.datetime:
    """Now, or the end of the quiet hours now falls in."""
    if not in_quiet_hours(now, quiet_start, quiet_end):
        return now
    local = now.astimezone(OSLO)
    end = local_instant(local.date(), quiet_end)
    return end if end > now else local_instant(local.date() + dt.timedelta(days=1), quiet_end)


def queue_agreed_time(
    session: Session,
    *,
    key: str,
    recipient: Recipient,
    old: Window,
    new: Window,
    valid_from: dt.date,
    now: dt.datetime,
    settings: Settings,
) -> Notice | None:
    """The notice and its messages in the caller's transaction; None without consent, with notices off, or
    when the key exists (told once)."""
    if not settings.notices_enabled or not has_consent(session, recipient):
        return None
    if session.exec(select(Notice.id).where(Notice.key == key)).first() is not None:
        return None
    place = municipality(session)
    text = render_agreed_time(
        recipient.language.value, valid_from=valid_from, old=old, new=new, phone=place.notice_phone
    )
    send_at = first_allowed(now, place.notice_quiet_start, place.notice_quiet_end)
    try:
        with session.begin_nested():
            notice = Notice(
                key=key,
                stop_id=None,
                recipient_id=recipient.id or 0,
                kind="agreed_time",
                source="agreement",
                created_at=now,
            )
            session.add(notice)
            session.flush()
            valid_until = local_instant(valid_from, new[0])
            add_messages(session, notice, recipient, text, valid_until, now, send_at=send_at)
            session.flush()
    except IntegrityError:
        return None  # written meanwhile by another request: it exists once
    return notice
