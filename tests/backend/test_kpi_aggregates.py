"""The stored weekly KPI aggregates equal the definition computed from the raw records: on the hand-built week
and on a generated month, before and after the changes that alter a week (a check-in, an SMS accepted, a
plan superseded, a new primary contact, another early tolerance), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from sqlmodel import Session, col, select

from backend.carers.models import Carer
from backend.common.enums import NotDoneReason, PlanStatus, ShiftKind, VisitEventKind
from backend.common.types import server_clock
from backend.kpis.definitions import Kpis, compute, daily_carers
from backend.kpis.models import KpiDirty, KpiWeek
from backend.kpis.records import load_records
from backend.kpis.service import team_series, weekly_table
from backend.kpis.weekly import refresh_marked
from backend.municipality.models import MunicipalitySettings
from backend.notices.models import Notice, NoticeMessage
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import Recipient
from backend.teams.models import Team
from backend.visits.models import VisitEvent
from tests.backend.kpi_week import MONDAY, at, build_kpi_week

FIRST = dt.date(2026, 10, 5)  # a Monday; the generated month runs four weeks from here
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)  # every generated week has settled


def by_definition(session: Session, team_id: int, monday: dt.date) -> Kpis:
    """The week computed straight from the raw records, as kpis.definitions defines it."""
    sunday = monday + dt.timedelta(days=6)
    visits, routes = load_records(
        session, team_ids=[team_id], start=sunday - dt.timedelta(days=27), end=sunday
    )
    row = session.get(MunicipalitySettings, 1)
    return compute(
        [v for v in visits if monday <= v.date],
        [r for r in routes if monday <= r.date],
        daily=daily_carers(visits),
        period_end=sunday,
        now=NOW,
        early_tolerance=dt.timedelta(minutes=row.early_tolerance_minutes if row else 0),
    )


def stored(session: Session, team_id: int, monday: dt.date) -> Kpis | None:
    session.expire_all()
    row = session.get(KpiWeek, (team_id, monday))
    return Kpis(**row.kpis) if row else None


def marks(session: Session, monday: dt.date | None = None) -> int:
    """Marks left on one week (all weeks: None)."""
    query = select(KpiDirty) if monday is None else select(KpiDirty).where(col(KpiDirty.monday) == monday)
    return len(session.exec(query).all())


def _event(session: Session, stop: Stop, carer_id: int, kind: VisitEventKind, when: dt.datetime) -> None:
    reason = NotDoneReason.not_home if kind == VisitEventKind.cancel else None
    session.add(
        VisitEvent(
            event_uuid=str(uuid.uuid4()),
            stop_id=stop.id or 0,
            carer_id=carer_id,
            kind=kind,
            device_time=when,
            reason=reason,
        )
    )


def generate_month(session: Session, seed: int) -> tuple[int, list[Stop]]:
    """One team over four weeks: three carers, eight recipients, each day a published plan of two routes of
    five visits, with check-ins early, on time, late or never, a few «ikke hjemme» and SMS."""
    rng = random.Random(seed)
    team = Team(name=f"Sør {seed}", base_address="Base", base_lat=59.9, base_lon=10.7)
    session.add(team)
    session.flush()
    carers = [Carer(name=f"Pleier {i}", team_id=team.id or 0, competences=[]) for i in range(3)]
    session.add_all(carers)
    session.flush()
    people = [
        Recipient(
            name=f"Bruker {i}",
            address="Gate",
            lat=59.9,
            lon=10.7,
            team_id=team.id or 0,
            primary_carer_id=rng.choice(carers).id if i % 3 else None,
        )
        for i in range(8)
    ]
    session.add_all(people)
    session.flush()
    stops = []
    for day in (FIRST + dt.timedelta(days=d) for d in range(28)):
        plan = Plan(date=day, team_id=team.id or 0, shift_kind=ShiftKind.day, status=PlanStatus.published)
        session.add(plan)
        session.flush()
        for carer in rng.sample(carers, 2):
            route = Route(
                plan_id=plan.id or 0,
                carer_id=carer.id or 0,
                shift_start=at(day, "07:30"),
                shift_end=at(day, "15:00"),
                travel_seconds=rng.randint(600, 3600),
            )
            session.add(route)
            session.flush()
            for seq in range(5):
                start = at(day, f"{8 + seq:02d}:00")
                stop = Stop(
                    route_id=route.id or 0,
                    seq=seq,
                    recipient_id=rng.choice(people).id or 0,
                    window_start=start,
                    window_end=start + dt.timedelta(hours=1),
                    planned_arrival=start - dt.timedelta(minutes=rng.choice((0, 5, 15))),
                    planned_start=start,
                    planned_end=start + dt.timedelta(minutes=rng.choice((15, 30, 45))),
                )
                session.add(stop)
                session.flush()
                stops.append(stop)
                fate = rng.random()
                if fate < 0.05:
                    continue  # missed
                if fate < 0.1:
                    _event(session, stop, carer.id or 0, VisitEventKind.cancel, start)
                    continue
                check_in = start + dt.timedelta(minutes=rng.gauss(20, 30))
                _event(session, stop, carer.id or 0, VisitEventKind.check_in, check_in)
                _event(
                    session,
                    stop,
                    carer.id or 0,
                    VisitEventKind.check_out,
                    check_in + dt.timedelta(minutes=25),
                )
    session.commit()
    return team.id or 0, stops


def accept_sms(session: Session, stop: Stop, when: dt.datetime) -> None:
    notice = Notice(
        key=f"stop{stop.id}:delay:1",
        stop_id=stop.id or 0,
        recipient_id=stop.recipient_id,
        kind="delay",
        source="eta",
        created_at=when,
    )
    session.add(notice)
    session.flush()
    message = NoticeMessage(
        notice_id=notice.id or 0,
        reference=f"hr-agg-{stop.id}",
        phone="+4791234567",
        text="x",
        encoding="GSM-7",
        segments=1,
        status="queued",
        valid_until=when + dt.timedelta(hours=2),
    )
    session.add(message)
    session.commit()
    message.status, message.accepted_at = (
        "accepted",
        when,
    )  # the gateway accepts it later: a change, not a new row
    session.commit()


def test_the_hand_built_week_is_stored_and_read_back_as_defined(session: Session) -> None:
    team = build_kpi_week(session)["team"]
    session.commit()
    (first,) = weekly_table(session, monday=MONDAY, team_ids=[team])
    assert stored(session, team, MONDAY) is not None and marks(session, MONDAY) == 0
    (again,) = weekly_table(session, monday=MONDAY, team_ids=[team])
    assert again == first and first.punctuality_pct == 33.3 and first.distinct_carers_14d == 1.3
    # S4 (16-17) was missed; a late check-in reported now (a tablet that was offline) counts once it arrives
    s4 = session.exec(select(Stop).where(col(Stop.window_start) == at(MONDAY, "16:00"))).one()
    per = session.exec(select(Route).where(col(Route.id) == s4.route_id)).one().carer_id
    before = marks(session)
    _event(session, s4, per, VisitEventKind.check_in, at(MONDAY, "16:30"))
    session.commit()
    assert marks(session) == before + 4  # its week and the three after, whose 28-day continuity reaches back
    assert marks(session, MONDAY) == 1
    (after,) = weekly_table(session, monday=MONDAY, team_ids=[team])
    assert (after.missed_visits, after.checked_in, after.punctuality_evening_pct) == (0, 4, 100.0)
    assert marks(session, MONDAY) == 0 and marks(session) == before + 3  # later weeks: marked until read


@pytest.mark.parametrize("seed", [3, 11])
def test_a_generated_month_matches_the_definition_through_every_kind_of_change(
    session: Session, seed: int
) -> None:
    team_id, stops = generate_month(session, seed)
    mondays = [FIRST + dt.timedelta(weeks=w) for w in range(4)]
    team = session.get(Team, team_id)
    assert team is not None
    rng = random.Random(seed)

    def series_equals_definition() -> None:
        with server_clock(lambda: NOW):
            series = team_series(session, team=team, last_monday=mondays[-1], weeks=4)
        for monday, row in zip(mondays, series.weeks, strict=True):
            expected = by_definition(session, team_id, monday)
            assert Kpis(**row.model_dump(include=set(Kpis.model_fields))) == expected, monday
            assert stored(session, team_id, monday) == expected, monday

    series_equals_definition()
    late = [s for s in stops if s.window_start.date() < mondays[2]]
    accept_sms(
        session, rng.choice(late), rng.choice(late).window_start
    )  # an SMS accepted in the first fortnight
    series_equals_definition()
    for stop in rng.sample(stops, 5):  # late check-ins arrive for five visits
        _event(session, stop, 1, VisitEventKind.check_in, stop.window_end + dt.timedelta(minutes=7))
    session.commit()
    series_equals_definition()
    recipient = session.exec(select(Recipient).where(col(Recipient.team_id) == team_id)).first()
    assert recipient is not None
    recipient.primary_carer_id = session.exec(select(Carer).where(col(Carer.team_id) == team_id)).first().id  # type: ignore[union-attr]
    session.commit()
    series_equals_definition()
    week_three = session.exec(
        select(Plan).where(col(Plan.team_id) == team_id, col(Plan.date) == mondays[2] + dt.timedelta(days=2))
    ).one()
    week_three.status = PlanStatus.superseded  # a re-plan replaced the day: its visits leave the figures
    session.commit()
    series_equals_definition()
    settings = session.get(MunicipalitySettings, 1) or MunicipalitySettings(id=1, name="Testkommune")
    settings.early_tolerance_minutes = 30
    session.add(settings)
    session.commit()
    series_equals_definition()


def test_the_worker_refresh_computes_marked_weeks_and_unsettled_weeks_are_not_trusted(
    session: Session,
) -> None:
    team_id, stops = generate_month(session, 5)
    team = session.get(Team, team_id)
    assert team is not None
    last = FIRST + dt.timedelta(weeks=3)
    during = at(last + dt.timedelta(days=3), "12:00")  # Thursday of the last week: its afternoon is ahead
    with server_clock(lambda: during):
        early = team_series(session, team=team, last_monday=last, weeks=4).weeks[-1]
    with server_clock(lambda: NOW):
        later = team_series(session, team=team, last_monday=last, weeks=4).weeks[-1]
    assert later.missed_visits > early.missed_visits  # the week computed mid-week was not kept as final
    for stop in stops[:3]:
        _event(session, stop, 1, VisitEventKind.check_in, stop.window_start)
    session.commit()
    assert marks(session) > 0
    with server_clock(lambda: NOW):
        assert refresh_marked(session) > 0
    assert marks(session) == 0
    assert stored(session, team_id, FIRST) == by_definition(session, team_id, FIRST)
