"""visits_for: the concrete visits of a local date from vedtak, right on DST days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.auth.service import Principal
from backend.common.enums import Role
from backend.common.localtime import day_length_seconds, local_instant, seconds_since_local_midnight
from backend.decisions.expansion import decision_active_on, visits_for
from backend.decisions.models import DecisionCreate, ServiceDecision
from backend.decisions.service import create_decision
from backend.recipients.models import RecipientCreate
from backend.recipients.service import create_recipient
from backend.teams.models import Team

OSLO = ZoneInfo("Europe/Oslo")
UTC = dt.UTC


def _setup(session: Session, **decision: object) -> tuple[int, Principal]:
    team = Team(name="Team gul", base_address="Base", base_lat=60.1, base_lon=24.9)
    session.add(team)
    session.commit()
    assert team.id
    principal = Principal(1, "t", Role.coordinator, frozenset({team.id}), None)
    recipient = create_recipient(
        session,
        principal=principal,
        data=RecipientCreate(name="Astrid", address="Gate 1", lat=60.1, lon=24.9, team_id=team.id),
    )
    payload = {
        "recipient_id": recipient.id,
        "valid_from": "2026-01-01",
        "weekdays": [1, 2, 3, 4, 5, 6, 7],
        "visits": [
            {
                "label": "morgen",
                "window_start": "08:00",
                "window_end": "09:00",
                "tasks": [{"name": "stell", "minutes": 20}],
            },
            {
                "label": "natt",
                "window_start": "02:30",
                "window_end": "03:30",
                "tasks": [{"name": "snu", "minutes": 10}],
            },
        ],
        **decision,
    }
    create_decision(session, principal=principal, data=DecisionCreate.model_validate(payload))
    return team.id, principal


def test_spring_forward_day_has_23_hours_and_windows_in_summer_time(engine: Engine) -> None:
    """29 March 2026: 08:00 local is 06:00 UTC, only 7 real hours after midnight; 02:30 does not exist."""
    with Session(engine) as session:
        team_id, _ = _setup(session)
        day = dt.date(2026, 3, 29)
        morning, night = sorted(visits_for(session, day=day, team_id=team_id), key=lambda v: v.label)
        assert day_length_seconds(day) == 23 * 3600
        assert morning.window_start == dt.datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
        assert seconds_since_local_midnight(morning.window_start, day) == 7 * 3600
        # 02:30 falls in the gap: it moves forward by the gap, to 03:30 summer time (01:30 UTC).
        assert night.window_start == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
        assert night.window_end == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
        assert morning.minutes == 20


def test_fall_back_day_has_25_hours_and_windows_in_winter_time(engine: Engine) -> None:
    """25 October 2026: 08:00 local is 07:00 UTC, 9 real hours after midnight; 02:30 means the first one."""
    with Session(engine) as session:
        team_id, _ = _setup(session)
        day = dt.date(2026, 10, 25)
        morning, night = sorted(visits_for(session, day=day, team_id=team_id), key=lambda v: v.label)
        assert day_length_seconds(day) == 25 * 3600
        assert morning.window_start == dt.datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
        assert seconds_since_local_midnight(morning.window_start, day) == 9 * 3600
        assert night.window_start == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
        assert night.window_end == dt.datetime(2026, 10, 25, 2, 30, tzinfo=UTC)  # 03:30 CET: a 2 h window


def test_weekdays_validity_and_every_other_week(engine: Engine) -> None:
    """A shower on Mondays and Thursdays every second week, from 2 Nov 2026 to 30 Nov 2026."""
    with Session(engine) as session:
        team_id, _ = _setup(
            session, weekdays=[1, 4], interval_weeks=2, valid_from="2026-11-02", valid_to="2026-11-30"
        )
        days = [dt.date(2026, 11, 1) + dt.timedelta(days=i) for i in range(40)]
        active = [d for d in days if visits_for(session, day=d, team_id=team_id)]
        assert active == [
            dt.date(2026, 11, 2),
            dt.date(2026, 11, 5),
            dt.date(2026, 11, 16),
            dt.date(2026, 11, 19),
            dt.date(2026, 11, 30),
        ]


def test_inactive_recipients_get_no_visits(engine: Engine) -> None:
    from backend.recipients.models import Recipient

    with Session(engine) as session:
        team_id, _ = _setup(session)
        recipient = session.get(Recipient, 1)
        assert recipient is not None
        recipient.active = False
        session.add(recipient)
        session.commit()
        assert visits_for(session, day=dt.date(2026, 11, 23), team_id=team_id) == []


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31)),
    clock=st.times(),
)
def test_local_instant_reads_back_as_the_same_wall_clock(day: dt.date, clock: dt.time) -> None:
    """Outside the spring gap, the instant shows the requested wall-clock time in Oslo; inside, 1 h later."""
    instant = local_instant(day, clock)
    local = instant.astimezone(OSLO)
    assert instant.tzinfo == UTC
    requested = dt.datetime.combine(day, clock)
    shown = local.replace(tzinfo=None)
    assert shown - requested in (dt.timedelta(0), dt.timedelta(hours=1))
    if shown != requested:  # only the non-existent hour on the spring-forward Sunday
        assert day.month == 3 and day.isoweekday() == 7 and clock.hour == 2
    assert 0 <= seconds_since_local_midnight(instant, day) < day_length_seconds(day)


@given(
    st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31)),
    st.lists(st.integers(1, 7), min_size=1, max_size=7, unique=True),
    st.integers(1, 4),
)
def test_active_days_follow_weekdays_and_interval(day: dt.date, weekdays: list[int], interval: int) -> None:
    decision = ServiceDecision(
        recipient_id=1, valid_from=dt.date(2026, 1, 5), weekdays=weekdays, interval_weeks=interval
    )
    active = decision_active_on(decision, day)
    if day < dt.date(2026, 1, 5) or day.isoweekday() not in weekdays:
        assert not active
    else:
        weeks = (day - dt.date(2026, 1, 5)).days // 7
        assert active == (weeks % interval == 0)
