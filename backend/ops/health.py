"""Readiness: may a load balancer send this process requests? The database answers, its schema is the one
the code expects, jobs are being picked up and the SMS outbox is moving. Liveness (`/healthz`) is only
«the process answers», so an orchestrator does not restart a healthy process while PostgreSQL is down."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend.common.enums import JobStatus
from backend.common.types import utcnow
from backend.jobs.models import JobRecord
from backend.migrations import head_revision, schema_revision
from backend.notices.models import NoticeMessage

STUCK_AFTER = dt.timedelta(minutes=10)  # a job waiting or a due SMS unsent this long: something stopped
HEARTBEAT_WITHIN = dt.timedelta(minutes=2)  # procrastinate workers beat every 10 s


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def readiness(
    engine: Engine, *, now: dt.datetime | None = None, workers_expected: bool = False
) -> list[Check]:
    """Every check, in order; a failing database check makes the others moot (not run). `workers_expected`:
    jobs run on procrastinate workers, one of which must have sent a heartbeat lately."""
    now = now or utcnow()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = schema_revision(connection)
    except Exception as exc:
        return [Check("database", False, f"databasen svarer ikke: {type(exc).__name__}")]
    checks = [Check("database", True, "svarer")]
    head = head_revision()
    checks.append(
        Check("migrations", current == head, f"skjema {current or 'ikke migrert'}, koden venter {head}")
    )
    with Session(engine) as session:
        if workers_expected:
            checks.append(_worker_heartbeat(session))
        checks.append(_jobs_moving(session, now))
        checks.append(_outbox_moving(session, now))
    return checks


def _worker_heartbeat(session: Session) -> Check:
    """A procrastinate worker alive (its heartbeat row, in PostgreSQL's clock); none: plans and SMS wait."""
    if session.exec(text("SELECT to_regclass('procrastinate_workers')")).one()[0] is None:  # type: ignore[call-overload]
        return Check("worker_heartbeat", False, "jobbkøen er ikke satt opp")
    alive = session.exec(  # type: ignore[call-overload]
        text(
            "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - make_interval(secs => :s)"
        ),
        params={"s": HEARTBEAT_WITHIN.total_seconds()},
    ).one()[0]
    minutes = int(HEARTBEAT_WITHIN.total_seconds() // 60)
    detail = f"{alive} arbeider(e) i live" if alive else f"ingen arbeider har meldt seg siste {minutes} min"
    return Check("worker_heartbeat", bool(alive), detail)


def _jobs_moving(session: Session, now: dt.datetime) -> Check:
    oldest = session.exec(
        select(func.min(JobRecord.created_at)).where(JobRecord.status == JobStatus.queued)
    ).one()
    waiting = _age(oldest, now)
    ok = waiting is None or waiting <= STUCK_AFTER
    return Check(
        "workers", ok, "ingen jobb venter" if waiting is None else f"eldste jobb i kø {_minutes(waiting)}"
    )


def _oldest_due_sms(session: Session, now: dt.datetime) -> dt.timedelta | None:
    """How long the oldest SMS due for sending (and still valid) has waited."""
    oldest = session.exec(
        select(func.min(NoticeMessage.next_attempt_at)).where(
            col(NoticeMessage.status).in_(["pending", "sending"]), NoticeMessage.valid_until > now
        )
    ).one()
    return _age(oldest, now)


def _outbox_moving(session: Session, now: dt.datetime) -> Check:
    overdue = _oldest_due_sms(session, now)
    ok = overdue is None or overdue <= STUCK_AFTER
    return Check(
        "sms_outbox",
        ok,
        "ingen SMS venter" if overdue is None else f"eldste SMS forfalt for {_minutes(overdue)}",
    )


def oldest_unsent_seconds(session: Session, now: dt.datetime) -> float:
    """For the metrics: how long the oldest due SMS has waited (0 when none)."""
    age = _oldest_due_sms(session, now)
    return max(0.0, age.total_seconds()) if age else 0.0


def _age(instant: dt.datetime | None, now: dt.datetime) -> dt.timedelta | None:
    if instant is None:
        return None
    if instant.tzinfo is None:  # aggregates come back as the stored naive UTC
        instant = instant.replace(tzinfo=dt.UTC)
    return now - instant


def _minutes(span: dt.timedelta) -> str:
    return f"{max(0, int(span.total_seconds() // 60))} min"
