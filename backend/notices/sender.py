"""The outbox sender: works through due messages, one at a time per row, so that a message is handed to
the gateway at most once whatever crashes. The commit of «sending» comes before the gateway call; a row
found still «sending» later (the sender died) becomes «uncertain» and is settled by the delivery report
with our reference, or expires — it is never sent again. Retries (gateway certainly did not take it)
back off exponentially until the validity ends."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from backend.common.types import utcnow
from backend.notices.gateways.base import Gateway, OutgoingSms, SendResult
from backend.notices.models import Notice, NoticeMessage

BACKOFF_SECONDS = (5, 15, 60, 180, 600)
STUCK_AFTER = dt.timedelta(minutes=2)
FINAL = {"delivered", "failed", "expired"}
RANK = ["failed", "expired", "uncertain", "pending", "sending", "accepted", "delivered"]


def _set_notice_status(session: Session, notice_id: int) -> None:
    notice = session.get(Notice, notice_id)
    if notice is None:
        return
    states = [
        m.status for m in session.exec(select(NoticeMessage).where(NoticeMessage.notice_id == notice_id))
    ]
    notice.status = max(states, key=RANK.index) if states else "failed"
    notice.status_reason = "" if states else "Ingen mottaker med samtykke og mobilnummer"
    session.add(notice)


def _finish(message: NoticeMessage, status: str, reason: str, now: dt.datetime) -> None:
    message.status, message.status_reason = status, reason[:500]
    if status in FINAL:
        message.final_at = now


def _apply(message: NoticeMessage, result: SendResult, now: dt.datetime) -> None:
    if result.outcome == "accepted":
        message.status, message.accepted_at = "accepted", now
        message.provider_message_id, message.status_reason = result.provider_message_id, ""
    elif result.outcome == "rejected":
        _finish(message, "failed", result.reason, now)
    elif result.outcome == "uncertain":
        _finish(message, "uncertain", result.reason, now)
    else:
        wait = BACKOFF_SECONDS[min(message.attempts - 1, len(BACKOFF_SECONDS) - 1)]
        message.next_attempt_at = now + dt.timedelta(seconds=wait)
        if message.next_attempt_at >= message.valid_until:
            _finish(message, "expired", f"{result.reason}; gyldighetstiden gikk ut", now)
        else:
            message.status, message.status_reason = "pending", result.reason


def _claim(session: Session, now: dt.datetime) -> NoticeMessage | None:
    """Lock one due message (others' rows are skipped on PostgreSQL) and mark it sending, committed."""
    query = (
        select(NoticeMessage)
        .where(NoticeMessage.status == "pending", col(NoticeMessage.next_attempt_at) <= now)
        .order_by(col(NoticeMessage.next_attempt_at), col(NoticeMessage.id))
        .limit(1)
    )
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    message = session.exec(query).first()
    if message is None:
        session.rollback()
        return None
    if message.valid_until <= now:
        _finish(message, "expired", "gyldighetstiden gikk ut før meldingen ble sendt", now)
        session.add(message)
        _set_notice_status(session, message.notice_id)
        session.commit()
        return _claim(session, now)
    message.status, message.sending_since, message.attempts = "sending", now, message.attempts + 1
    session.add(message)
    session.commit()
    return message


def send_due(session: Session, gateway: Gateway, *, limit: int = 1000, clock: object = utcnow) -> int:
    """Send what is due; returns how many messages were handed to the gateway."""
    sent = 0
    while sent < limit:
        now = clock()  # type: ignore[operator]
        message = _claim(session, now)
        if message is None:
            break
        valid = max(60, int((message.valid_until - now).total_seconds()))
        result = gateway.send(OutgoingSms(message.reference, message.phone, message.text, valid))
        message.gateway = gateway.name
        _apply(message, result, clock())  # type: ignore[operator]
        session.add(message)
        _set_notice_status(session, message.notice_id)
        session.commit()
        sent += 1
    return sent


def recover(session: Session, *, now: dt.datetime | None = None) -> int:
    """After a crash: «sending» rows older than STUCK_AFTER become «uncertain» (never resent); uncertain or
    accepted rows past their validity without a delivery report become expired."""
    now = now or utcnow()
    changed = 0
    stuck = session.exec(
        select(NoticeMessage).where(
            NoticeMessage.status == "sending", col(NoticeMessage.sending_since) <= now - STUCK_AFTER
        )
    ).all()
    for message in stuck:
        _finish(message, "uncertain", "senderen stoppet under sending; venter på leveringsrapport", now)
        session.add(message)
        _set_notice_status(session, message.notice_id)
        changed += 1
    stale = session.exec(
        select(NoticeMessage).where(
            col(NoticeMessage.status).in_(["uncertain"]), col(NoticeMessage.valid_until) <= now
        )
    ).all()
    for message in stale:
        _finish(
            message, "expired", message.status_reason or "ingen leveringsrapport innen gyldighetstiden", now
        )
        session.add(message)
        _set_notice_status(session, message.notice_id)
        changed += 1
    session.commit()
    return changed


def apply_delivery_report(
    session: Session, *, reference: str | None, provider_message_id: str | None, delivered: bool, reason: str
) -> NoticeMessage | None:
    """A report settles a message (also one whose send answer was lost); repeats change nothing."""
    message = None
    if reference:
        message = session.exec(select(NoticeMessage).where(NoticeMessage.reference == reference)).first()
    if message is None and provider_message_id:
        message = session.exec(
            select(NoticeMessage).where(NoticeMessage.provider_message_id == provider_message_id)
        ).first()
    if message is None:
        return None
    if message.status in FINAL and message.status != "expired":
        return message  # a repeated or late report: the first one counted
    now = utcnow()
    if message.accepted_at is None:
        message.accepted_at = now
    if provider_message_id and not message.provider_message_id:
        message.provider_message_id = provider_message_id
    _finish(message, "delivered" if delivered else "failed", "" if delivered else reason, now)
    session.add(message)
    _set_notice_status(session, message.notice_id)
    session.commit()
    return message
