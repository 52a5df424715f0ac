"""The weekly besøksplan by SMS: on Sunday evening each recipient who consented (and has a mobile) gets next
week's published visit times, once (the notice key is per recipient and week), to their own phone only —
the next of kin's consent is to delay notices. Times only: no task, no name, no health information."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.common.localtime import local_instant
from backend.notices.models import Notice
from backend.notices.outbox import add_messages, municipality
from backend.notices.texts import render_visit_plan
from backend.planning.continuity import week_of
from backend.planning.visit_plan import visit_plan
from backend.recipients.models import Recipient
from backend.settings import Settings

VALID_UNTIL = dt.time(7, 0)  # an SMS about the week not sent by Monday 07:00 is not sent at all


def next_monday(today: dt.date) -> dt.date:
    return week_of(today)[0] + dt.timedelta(days=7)


def queue_visit_plans(session: Session, *, monday: dt.date, now: dt.datetime, settings: Settings) -> int:
    """The week's SMS into the outbox, in one transaction; how many were queued (none twice)."""
    if not settings.notices_enabled:
        return 0
    week = monday.isocalendar().week
    phone = municipality(session).notice_phone
    recipients = session.exec(
        select(Recipient).where(
            col(Recipient.active), col(Recipient.visit_plan_consent), col(Recipient.phone).is_not(None)
        )
    ).all()
    queued = 0
    for recipient in recipients:
        key = f"visit_plan:{recipient.id}:{monday.isoformat()}"
        if session.exec(select(Notice.id).where(Notice.key == key)).first() is not None:
            continue
        visits = visit_plan(session, recipient_id=recipient.id or 0, monday=monday, carer_names=False)
        if not visits:
            continue
        days = [
            (d, [v.expected for v in visits if v.date == monday + dt.timedelta(days=d)]) for d in range(7)
        ]
        text = render_visit_plan(recipient.language.value, week=week, days=days, phone=phone)
        notice = Notice(
            key=key,
            stop_id=visits[0].stop_id,
            recipient_id=recipient.id or 0,
            kind="visit_plan",
            source="weekly",
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(notice)
                session.flush()
                add_messages(
                    session,
                    notice,
                    recipient,
                    text,
                    local_instant(monday, VALID_UNTIL),
                    now,
                    destinations=[(recipient.phone, False)],
                )
                session.flush()
        except IntegrityError:
            continue  # queued meanwhile by another run (the worker and the command line): it exists once
        queued += 1
    session.commit()
    return queued
