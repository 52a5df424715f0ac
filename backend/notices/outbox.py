"""Writing notices into the outbox, inside the caller's transaction: one Notice per visit, kind and
revision (unique key), one NoticeMessage per consenting phone. A number that cannot get an SMS is
recorded as failed with the reason, so it is visible and never retried."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.common.phone import normalise_mobile
from backend.municipality.models import MunicipalitySettings
from backend.notices.models import Notice, NoticeMessage
from backend.notices.texts import SmsText, Visit, render
from backend.recipients.models import NextOfKin, Recipient
from backend.settings import Settings


def municipality(session: Session) -> MunicipalitySettings:
    return session.get(MunicipalitySettings, 1) or MunicipalitySettings(id=1, name="")


def _destinations(session: Session, recipient: Recipient) -> list[tuple[str | None, bool]]:
    found: list[tuple[str | None, bool]] = []
    if recipient.notice_consent:
        found.append((recipient.phone, False))
    kin = session.exec(
        select(NextOfKin).where(NextOfKin.recipient_id == recipient.id, NextOfKin.notice_consent == True)  # noqa: E712
    )
    found += [(k.phone, True) for k in kin]
    return found


@dataclass(frozen=True)
class Told:
    """How a notice reaches the recipient: `together` names every visit of this recipient told in the same
    message; `merged_into` marks a visit whose news went out in another notice's message (one SMS per
    recipient per event)."""

    agreed: dt.datetime | None = None
    together: list[Visit] = field(default_factory=list)
    merged_into: int | None = None


def create_notice(
    session: Session,
    *,
    key: str,
    stop_id: int,
    recipient: Recipient,
    kind: str,
    revision: int,
    expected: dt.datetime,
    lateness_minutes: int,
    source: str,
    now: dt.datetime,
    settings: Settings,
    delay_report_id: int | None = None,
    told: Told = Told(),
) -> Notice | None:
    """The notice and its messages, or None when that key exists already (it was created once) or the
    installation has notices switched off."""
    if not settings.notices_enabled:
        return None
    if session.exec(select(Notice.id).where(Notice.key == key)).first() is not None:
        return None
    place = municipality(session)
    text = render(
        kind,
        recipient.language.value,
        expected=expected,
        phone=place.notice_phone,
        agreed=told.agreed,
        together=told.together,
    )
    try:
        with session.begin_nested():
            notice = Notice(
                key=key,
                stop_id=stop_id,
                recipient_id=recipient.id or 0,
                kind=kind,
                revision=revision,
                expected_start=expected,
                lateness_minutes=lateness_minutes,
                source=source,
                delay_report_id=delay_report_id,
                created_at=now,
            )
            if told.merged_into is not None:
                notice.status, notice.status_reason = (
                    "merged",
                    f"sendt i samme SMS som varsel {told.merged_into}",
                )
            session.add(notice)
            session.flush()
            if told.merged_into is None:
                valid_until = now + dt.timedelta(minutes=settings.notice_validity_minutes)
                add_messages(session, notice, recipient, text, valid_until, now)
            session.flush()
    except IntegrityError:
        return None  # created concurrently by another transaction: it exists once
    return notice


def add_messages(
    session: Session,
    notice: Notice,
    recipient: Recipient,
    text: SmsText,
    valid_until: dt.datetime,
    now: dt.datetime,
    destinations: list[tuple[str | None, bool]] | None = None,
    send_at: dt.datetime | None = None,
) -> None:
    """One message per consenting phone (the delay notices' consents unless `destinations` are given); a
    number that cannot get an SMS is stored as failed with why. `send_at`: not before then (quiet hours)."""
    seen: set[str] = set()
    for raw, to_kin in _destinations(session, recipient) if destinations is None else destinations:
        status, reason, phone = "pending", "", raw or ""
        try:
            phone = normalise_mobile(raw or "")
        except ValueError as exc:
            status, reason = "failed", str(exc) if raw else "Ingen telefonnummer registrert"
        if phone in seen:
            continue
        seen.add(phone)
        session.add(
            NoticeMessage(
                notice_id=notice.id or 0,
                reference=f"hr-{uuid.uuid4().hex[:24]}",
                phone=phone or f"mangler-{len(seen)}",
                to_next_of_kin=to_kin,
                language=recipient.language.value,
                text=text.text,
                encoding=text.encoding,
                segments=text.segments,
                status=status,
                status_reason=reason,
                valid_until=valid_until,
                next_attempt_at=send_at or now,
                created_at=now,
                final_at=now if status == "failed" else None,
            )
        )
