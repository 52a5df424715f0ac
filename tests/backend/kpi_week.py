"""A small hand-built week of one team for the KPI tests (API and browser): the expected values of every
KPI are worked out by hand in tests/backend/test_kpis.py."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Session

from backend.admin.service import create_user
from backend.auth.models import UserCreate
from backend.carers.models import Carer
from backend.common.enums import NotDoneReason, PlanStatus, Role, ShiftKind, VisitEventKind
from backend.common.localtime import local_instant
from backend.notices.models import Notice, NoticeMessage
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import Recipient
from backend.teams.models import Team
from backend.visits.models import VisitEvent

MONDAY = dt.date(2026, 11, 23)  # ISO week 2026-W48
PASSWORD = "passord-for-test"


def at(day: dt.date, clock: str) -> dt.datetime:
    return local_instant(day, dt.time.fromisoformat(clock))


def build_kpi_week(session: Session) -> dict[str, int]:
    """Team Nord, carers Kari and Per (07:30-15:00 each: 54,000 s paid), recipients R1 (primary Kari),
    R2 (none), R3 (primary Kari).
    S1 Kari/R1 08-09, planned 08:00-08:30 (arrives 07:50); in 08:05, out 08:35        → punctual
    S2 Kari/R2 09-10, planned 09:00-09:20 (arrives 08:45); in 10:20, out 10:40        → 20 min late, SMS 09:50
    S3 Per/R3 12-13, planned 12:00-12:45;                  in 13:40, out 14:10        → 40 min late, SMS 13:10
    S4 Per/R1 16-17, planned 16:00-16:15;                  no events                  → missed
    S5 Per/R2 10-11, planned 10:00-10:30;                  not done: not home         → not_done, not_home
    Last Tuesday Per visited R1 (for continuity over 14 and 28 days). Route travel 1,800 + 1,200 s."""
    team = Team(name="Nord", base_address="Base", base_lat=60.17, base_lon=24.94)
    session.add(team)
    session.flush()
    kari = Carer(name="Kari", team_id=team.id or 0, competences=["helsefagarbeider"])
    per = Carer(name="Per", team_id=team.id or 0, competences=["helsefagarbeider"])
    session.add(kari)
    session.add(per)
    session.flush()

    def person(name: str, primary: int | None) -> int:
        row = Recipient(
            name=name, address="Gate 1", lat=60.17, lon=24.94, team_id=team.id or 0, primary_carer_id=primary
        )
        session.add(row)
        session.flush()
        return row.id or 0

    r1, r2, r3 = person("R1", kari.id), person("R2", None), person("R3", kari.id)

    def plan(day: dt.date) -> Plan:
        row = Plan(
            date=day,
            team_id=team.id or 0,
            shift_kind=ShiftKind.day,
            status=PlanStatus.published,
            published_at=at(day, "07:00"),
        )
        session.add(row)
        session.flush()
        return row

    def route(p: Plan, carer: Carer, travel: int) -> Route:
        row = Route(
            plan_id=p.id or 0,
            carer_id=carer.id or 0,
            shift_start=at(p.date, "07:30"),
            shift_end=at(p.date, "15:00"),
            travel_seconds=travel,
        )
        session.add(row)
        session.flush()
        return row

    def stop(
        r: Route, seq: int, recipient: int, window: tuple[str, str], planned: tuple[str, str, str]
    ) -> Stop:
        day = session.get(Plan, r.plan_id).date  # type: ignore[union-attr]
        row = Stop(
            route_id=r.id or 0,
            seq=seq,
            recipient_id=recipient,
            window_start=at(day, window[0]),
            window_end=at(day, window[1]),
            planned_arrival=at(day, planned[0]),
            planned_start=at(day, planned[1]),
            planned_end=at(day, planned[2]),
        )
        session.add(row)
        session.flush()
        return row

    def event(
        s: Stop,
        carer: Carer,
        kind: VisitEventKind,
        clock: str,
        day: dt.date = MONDAY,
        reason: NotDoneReason | None = None,
    ) -> None:
        session.add(
            VisitEvent(
                event_uuid=str(uuid.uuid4()),
                stop_id=s.id or 0,
                carer_id=carer.id or 0,
                kind=kind,
                device_time=at(day, clock),
                reason=reason,
            )
        )

    def sms(s: Stop, recipient: int, accepted: str) -> None:
        notice = Notice(
            key=f"stop{s.id}:delay:1",
            stop_id=s.id or 0,
            recipient_id=recipient,
            kind="delay",
            source="eta",
            created_at=at(MONDAY, accepted),
        )
        session.add(notice)
        session.flush()
        session.add(
            NoticeMessage(
                notice_id=notice.id or 0,
                reference=f"hr-{s.id}",
                phone="+4791234567",
                text="x",
                encoding="GSM-7",
                segments=1,
                status="accepted",
                valid_until=at(MONDAY, "23:00"),
                accepted_at=at(MONDAY, accepted),
            )
        )

    monday = plan(MONDAY)
    k, p = route(monday, kari, 1800), route(monday, per, 1200)
    s1 = stop(k, 0, r1, ("08:00", "09:00"), ("07:50", "08:00", "08:30"))
    s2 = stop(k, 1, r2, ("09:00", "10:00"), ("08:45", "09:00", "09:20"))
    s3 = stop(p, 0, r3, ("12:00", "13:00"), ("12:00", "12:00", "12:45"))
    stop(p, 1, r1, ("16:00", "17:00"), ("16:00", "16:00", "16:15"))
    s5 = stop(p, 2, r2, ("10:00", "11:00"), ("10:00", "10:00", "10:30"))
    event(s1, kari, VisitEventKind.check_in, "08:05")
    event(s1, kari, VisitEventKind.check_out, "08:35")
    event(s2, kari, VisitEventKind.check_in, "10:20")
    event(s2, kari, VisitEventKind.check_out, "10:40")
    event(s3, per, VisitEventKind.check_in, "13:40")
    event(s3, per, VisitEventKind.check_out, "14:10")
    event(s5, per, VisitEventKind.cancel, "09:00", reason=NotDoneReason.not_home)
    sms(s2, r2, "09:50")
    sms(s3, r3, "13:10")
    tuesday = MONDAY - dt.timedelta(days=6)
    old = stop(route(plan(tuesday), per, 600), 0, r1, ("08:00", "09:00"), ("08:00", "08:00", "08:30"))
    event(old, per, VisitEventKind.check_in, "08:10", tuesday)
    session.commit()
    koord = create_user(
        session,
        data=UserCreate(
            username="koord", full_name="K", password=PASSWORD, role=Role.coordinator, team_ids=[team.id or 0]
        ),
    )
    create_user(
        session,
        data=UserCreate(
            username="leder", full_name="L", password=PASSWORD, role=Role.manager, team_ids=[team.id or 0]
        ),
    )
    assert koord.id
    return {"team": team.id or 0}
