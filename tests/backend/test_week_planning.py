"""Predictable days: a week laid day by day (as the console's week page does), each day anchored on the days
before it: two identical days give the same lists at the same times, a recipient whose primary contact works
Monday-Wednesday gets that carer those days (and one carer, not two, on Thursday and Friday), and a sick
call on Wednesday changes only Wednesday. Demo roads (Helsinki centre), SQLite and PostgreSQL; every plan
is checked by the independent validator (routing.check, in plan_teams)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.admin.service import create_user
from backend.audit.models import AccessLog
from backend.auth.models import UserCreate
from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.common.enums import Language, Role, ShiftKind
from backend.common.localtime import OSLO, local_instant
from backend.decisions.expansion import visits_for
from backend.decisions.models import DecisionCreate
from backend.decisions.service import create_decision
from backend.municipality.models import MunicipalitySettings
from backend.notices.models import NoticeMessage
from backend.notices.visit_plans import queue_visit_plans
from backend.planning.commands import report_sick
from backend.planning.flows import plan_teams, replan, shift_input
from backend.planning.gather import recent_carers, returning_carers, shift_carers, usual_of
from backend.planning.models import Plan, Route, Stop
from backend.planning.service import publish_plan, routes_of
from backend.recipients.models import NextOfKin, Recipient
from backend.rota.models import RotaEntry
from backend.settings import Settings
from backend.teams.models import Team
from backend.visits.status import stops_with_progress
from tests.backend.concurrency import at_once
from tests.backend.world import PASSWORD, web_login

MONDAY = dt.date(2026, 11, 23)
WEEK = [MONDAY + dt.timedelta(days=i) for i in range(5)]
MORNING = {
    "label": "morgen",
    "window_start": "08:00",
    "window_end": "10:00",
    "tasks": [{"name": "stell", "minutes": 25}],
}
LUNCH = {
    "label": "lunsj",
    "window_start": "11:30",
    "window_end": "13:00",
    "tasks": [{"name": "måltid", "minutes": 15}],
}


@pytest.fixture
def settings(planning_settings: Settings) -> Settings:
    return planning_settings


def _world(session: Session) -> tuple[Team, dict[str, Carer], list[Recipient]]:
    """Three carers on the day shift (Anne only Monday-Wednesday), eight recipients with a daily morning
    visit, four of them with lunch too; Anne is the first recipient's primary contact."""
    team = Team(name="Team sentrum", base_address="Base", base_lat=60.1699, base_lon=24.9384)
    session.add(team)
    session.commit()
    carers = {
        name: Carer(name=name, team_id=team.id or 0, competences=["helsefagarbeider"])
        for name in ("Anne", "Bjørn", "Cecilie")
    }
    session.add_all(carers.values())
    session.commit()
    for name, carer in carers.items():
        for day in WEEK[:3] if name == "Anne" else WEEK:
            session.add(
                RotaEntry(
                    carer_id=carer.id or 0,
                    date=day,
                    shift_kind=ShiftKind.day,
                    start=local_instant(day, dt.time(7, 30)),
                    end=local_instant(day, dt.time(15, 0)),
                )
            )
    recipients = [
        Recipient(
            name=f"Bruker {i}",
            address=f"Gate {i}",
            lat=60.1660 + 0.0012 * i,
            lon=24.9330 + 0.0020 * (i % 4),
            team_id=team.id or 0,
            primary_carer_id=carers["Anne"].id if i == 0 else None,
        )
        for i in range(8)
    ]
    session.add_all(recipients)
    session.commit()
    system = Principal(0, "test", Role.coordinator, frozenset({team.id or 0}), None)
    for i, recipient in enumerate(recipients):
        visits = [MORNING, LUNCH] if i % 2 == 0 else [MORNING]
        data = {
            "recipient_id": recipient.id,
            "valid_from": MONDAY.isoformat(),
            "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "visits": visits,
        }
        create_decision(session, principal=system, data=DecisionCreate.model_validate(data))
    return team, carers, recipients


def _draft(session: Session, team: Team, day: dt.date, settings: Settings) -> Plan:
    """The team's day-shift draft for a day, as the coordinator's «Lag kjørelister» makes it."""
    (plan,) = plan_teams(
        session,
        day=day,
        shift_kind=ShiftKind.day,
        team_ids=[team.id or 0],
        created_by=None,
        settings=settings,
    )
    return plan


def _lay_week(session: Session, team: Team, settings: Settings) -> dict[dt.date, Plan]:
    system = Principal(0, "test", Role.coordinator, frozenset({team.id or 0}), None)
    plans = {}
    for day in WEEK:
        plan = _draft(session, team, day, settings)
        assert plan.stats.get("check_feasible") is True and plan.unassigned == [], plan.stats
        publish_plan(session, principal=system, plan_id=plan.id or 0)
        plans[day] = plan
    return plans


def _served(session: Session, plan: Plan) -> dict[int, tuple[int, int]]:
    """Each vedtak visit of the plan: (carer, planned start in minutes of the local day)."""
    served = {}
    for route, stops in routes_of(session, plan.id or 0):
        for stop in stops:
            local = stop.planned_start.astimezone(OSLO)
            served[stop.decision_visit_id or 0] = (route.carer_id, local.hour * 60 + local.minute)
    return served


def test_identical_days_give_the_same_lists_and_the_primary_contact_comes_while_she_works(
    engine: Engine, settings: Settings
) -> None:
    with Session(engine) as session:
        team, carers, recipients = _world(session)
        plans = _lay_week(session, team, settings)
        monday, tuesday = _served(session, plans[WEEK[0]]), _served(session, plans[WEEK[1]])
        assert monday.keys() == tuesday.keys() and len(monday) == 12
        for visit, (carer, start) in monday.items():
            assert tuesday[visit][0] == carer, "the same carer as yesterday"
            assert abs(tuesday[visit][1] - start) <= settings.usual_time_tolerance_minutes
        first = recipients[0].id
        by_day: dict[dt.date, set[int]] = defaultdict(set)
        for day, plan in plans.items():
            for route, stops in routes_of(session, plan.id or 0):
                by_day[day] |= {route.carer_id for s in stops if s.recipient_id == first}
        assert all(by_day[day] == {carers["Anne"].id} for day in WEEK[:3])
        assert by_day[WEEK[3]] == by_day[WEEK[4]] and carers["Anne"].id not in by_day[WEEK[4]]


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(6 * 60, 23 * 60), st.integers(1, 4)),
        min_size=1,
        max_size=7,
        unique_by=lambda seen: seen[0],
    )
)
def test_the_usual_time_is_a_real_start_in_the_middle_and_the_usual_carer_the_most_frequent(
    days: list[tuple[int, int, int]],
) -> None:
    """Whatever the week looked like: the usual start is one of the planned starts with at most half of the
    others on either side (so one odd day cannot drag it, and a week laid on it cannot drift), and the usual
    carer came at least as often as anybody else."""
    seen = sorted((MONDAY + dt.timedelta(days=d), minute, carer) for d, minute, carer in days)
    usual = usual_of(seen)
    minute = usual.start.hour * 60 + usual.start.minute
    starts = [m for _, m, _ in seen]
    assert minute in starts
    assert sum(m < minute for m in starts) <= len(starts) // 2
    assert sum(m > minute for m in starts) <= len(starts) // 2
    counts = [c for _, _, c in seen]
    assert counts.count(usual.carer_id) == max(counts.count(c) for c in counts)


def test_a_new_face_is_one_the_rota_brings_back(engine: Engine, settings: Settings) -> None:
    """Thursday: Anne, the first recipient's only carer this week, is off. Dag works only that Thursday;
    Bjørn and Cecilie work Friday too. Thursday's plan prefers those two for her (the rota's look-ahead:
    Dag would be a face she never sees again, and Friday would bring a third), where before all three were
    alike to it; recipients whose carers are on shift keep their own."""
    with Session(engine) as session:
        team, carers, recipients = _world(session)
        dag = Carer(name="Dag", team_id=team.id or 0, competences=["helsefagarbeider"])
        session.add(dag)
        session.commit()
        session.add(
            RotaEntry(
                carer_id=dag.id or 0,
                date=WEEK[3],
                shift_kind=ShiftKind.day,
                start=local_instant(WEEK[3], dt.time(7, 30)),
                end=local_instant(WEEK[3], dt.time(15, 0)),
            )
        )
        session.commit()
        _lay_week(session, team, settings)
        known = recent_carers(session, recipient_ids=[r.id or 0 for r in recipients], day=WEEK[3])
        on_shift = [carers["Bjørn"].id or 0, carers["Cecilie"].id or 0, dag.id or 0]
        preferred = returning_carers(
            session, day=WEEK[3], team_id=team.id or 0, preferred=known, on_shift=on_shift
        )
        first = recipients[0].id or 0
        assert known[first] == {carers["Anne"].id}
        assert preferred[first] == {carers["Anne"].id, carers["Bjørn"].id, carers["Cecilie"].id}
        assert all(preferred[r] == known[r] for r in known if known[r] & set(on_shift))


def test_the_usual_time_is_the_middle_of_the_week_and_never_late(engine: Engine, settings: Settings) -> None:
    """Thursday's anchors after three planned days: a morning visit planned 08:40, 08:05 and 08:20 is usual
    at 08:20 (the median: one odd day neither drags it nor makes it drift); one planned after its agreed
    end on all three days is usual at the agreed end, 10:00, not at the late time."""
    with Session(engine) as session:
        team, _, recipients = _world(session)
        plans = _lay_week(session, team, settings)
        stops = {
            stop.recipient_id: stop
            for day in WEEK[:3]
            for _, day_stops in routes_of(session, plans[day].id or 0)
            for stop in day_stops
        }
        odd, late = (
            stops[recipients[1].id or 0],
            stops[recipients[3].id or 0],
        )  # the morning visits (no lunch)
        for day, clock in zip(WEEK[:3], (dt.time(8, 40), dt.time(8, 5), dt.time(8, 20)), strict=True):
            for _, day_stops in routes_of(session, plans[day].id or 0):
                for stop in day_stops:
                    if stop.decision_visit_id == odd.decision_visit_id:
                        stop.planned_start = local_instant(day, clock)
                    if stop.decision_visit_id == late.decision_visit_id:
                        stop.planned_start = local_instant(day, dt.time(10, 45))
                    session.add(stop)
        session.commit()
        carers, _ = shift_carers(session, day=WEEK[3], shift_kind=ShiftKind.day, team=team)
        visits = [v for v in visits_for(session, day=WEEK[3], team_id=team.id or 0)]
        inp = shift_input(
            session,
            day=WEEK[3],
            shift_kind=ShiftKind.day,
            team=team,
            visits=visits,
            carers=carers,
            settings=settings,
        )
        assert inp.problem is not None
        anchors = {inp.visits[v.id].decision_visit_id: v.anchor_start for v in inp.problem.visits}
        assert anchors[odd.decision_visit_id or 0] == inp.seconds(local_instant(WEEK[3], dt.time(8, 20)))
        assert anchors[late.decision_visit_id or 0] == inp.seconds(local_instant(WEEK[3], dt.time(10, 0)))


def test_a_new_recipient_is_fitted_in_without_moving_the_others(engine: Engine, settings: Settings) -> None:
    """A new recipient with a lunch visit on Tuesday: Tuesday planned again with her in it keeps every other
    visit within the tolerance of the time it had in the published Tuesday (both anchored on Monday), and
    she is served."""
    with Session(engine) as session:
        team, _, _ = _world(session)
        plans = _lay_week(session, team, settings)
        before = _served(session, plans[WEEK[1]])
        newcomer = Recipient(
            name="Ny bruker", address="Gate 9", lat=60.1700, lon=24.9390, team_id=team.id or 0
        )
        session.add(newcomer)
        session.commit()
        system = Principal(0, "test", Role.coordinator, frozenset({team.id or 0}), None)
        data = {
            "recipient_id": newcomer.id,
            "valid_from": WEEK[1].isoformat(),
            "weekdays": [2],
            "visits": [LUNCH],
        }
        create_decision(session, principal=system, data=DecisionCreate.model_validate(data))
        tuesday = _draft(session, team, WEEK[1], settings)
        assert tuesday.stats.get("check_feasible") is True and tuesday.unassigned == []
        after = _served(session, tuesday)
        assert len(after) == len(before) + 1
        moved = [
            v
            for v, (_, start) in before.items()
            if abs(after[v][1] - start) > settings.usual_time_tolerance_minutes
        ]
        assert moved == [], {v: (before[v], after[v]) for v in moved}


def test_a_sick_call_on_wednesday_changes_only_wednesday(engine: Engine, settings: Settings) -> None:
    with Session(engine) as session:
        team, carers, _ = _world(session)
        plans = _lay_week(session, team, settings)
        before = {day: _served(session, plan) for day, plan in plans.items()}
        wednesday = plans[WEEK[2]]
        sick_at = local_instant(WEEK[2], dt.time(7, 0))
        system = Principal(0, "test", Role.coordinator, frozenset({team.id or 0}), None)
        report_sick(
            session, principal=system, plan=wednesday, carer_id=carers["Bjørn"].id or 0, from_instant=sick_at
        )
        new = replan(
            session,
            plan_id=wednesday.id or 0,
            from_time=sick_at,
            created_by=None,
            status_of=stops_with_progress,
            settings=settings,
        )
        assert new.stats.get("check_feasible") is True
        assert carers["Bjørn"].id not in {r.carer_id for r, stops in routes_of(session, new.id or 0) if stops}
        for day in WEEK:
            if day != WEEK[2]:
                session.refresh(plans[day])
                assert plans[day].status.value == "published"
                assert _served(session, plans[day]) == before[day], day
        other_plans = session.exec(select(Plan).where(Plan.team_id == team.id, Plan.date != WEEK[2])).all()
        assert len(other_plans) == 4
        assert session.exec(select(Stop).join(Route).where(Route.plan_id == new.id)).first() is not None


def test_the_weekly_visit_plan_lists_exactly_the_published_visits(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    """The printable besøksplan of the first recipient: each published visit of the week once, at its
    planned time (to five minutes) and agreed window, the weekend «Ingen besøk», first names only when the
    municipality shows them; a draft never shows; the page is access-logged."""
    with Session(engine) as session:
        team, _, recipients = _world(session)
        plans = _lay_week(session, team, settings)
        draft = _draft(session, team, WEEK[4], settings)  # a newer Friday: not what she is told
        create_user(
            session,
            data=UserCreate(
                username="koord",
                full_name="K",
                password=PASSWORD,
                role=Role.coordinator,
                team_ids=[team.id or 0],
            ),
        )
        first = recipients[0]
        draft_status = draft.status.value
        published = sorted(
            (plan.date, stop.planned_start.astimezone(OSLO))
            for plan in plans.values()
            for _, stops in routes_of(session, plan.id or 0)
            for stop in stops
            if stop.recipient_id == first.id
        )
    assert len(published) == 10 and draft_status == "draft"  # morning and lunch, Monday-Friday
    web_login(client, "koord", follow_redirects=False)
    page = client.get(f"/konsoll/brukere/{first.id}/besoksplan", params={"uke": "2026-W48"})
    assert page.status_code == 200
    rows = page.text.split('id="visit-plan"')[1].split("</table>")[0].split("<tr>")[2:]
    shown = [row for row in rows if "Ingen besøk" not in row]
    assert len(shown) == len(published) and sum("Ingen besøk" in row for row in rows) == 2
    for row, (_, start) in zip(shown, published, strict=True):
        minutes = round((start.hour * 60 + start.minute + start.second / 60) / 5) * 5
        assert f"<td>{minutes // 60:02d}:{minutes % 60:02d}</td>" in row
    assert "Anne" not in page.text
    with Session(engine) as session:
        place = session.get(MunicipalitySettings, 1) or MunicipalitySettings(id=1, name="Lier")
        place.visit_plan_carer_names = True
        session.add(place)
        session.commit()
        logged = session.exec(select(AccessLog).where(AccessLog.recipient_id == first.id)).all()
    assert any(row.path.endswith("/besoksplan") for row in logged)
    assert "Anne" in client.get(f"/konsoll/brukere/{first.id}/besoksplan?uke=2026-W48").text
    assert client.get(f"/konsoll/brukere/{first.id}/besoksplan?uke=2026-W99").status_code == 422


def test_the_visit_plan_sms_goes_once_to_those_who_asked_with_times_only(
    engine: Engine, settings: Settings
) -> None:
    """Sunday evening: the recipient who consented gets the week's times (nynorsk when that is her language),
    once, to her own phone only (not to next of kin, whose consent is to delay notices); one without consent
    or without a mobile gets nothing; no task and no name is in the text."""
    with Session(engine) as session:
        team, _, recipients = _world(session)
        _lay_week(session, team, settings)
        asked, no_phone, not_asked = recipients[0], recipients[1], recipients[2]
        asked.phone, asked.visit_plan_consent, asked.language = "+4791234567", True, Language.nn
        no_phone.visit_plan_consent = True
        not_asked.phone, not_asked.notice_consent = "+4791234568", True
        session.add(
            NextOfKin(recipient_id=asked.id or 0, name="Dotter", phone="+4791234569", notice_consent=True)
        )
        session.add_all([asked, no_phone, not_asked])
        session.commit()
        sunday_evening = local_instant(MONDAY - dt.timedelta(days=1), dt.time(18, 0))
        assert queue_visit_plans(session, monday=MONDAY, now=sunday_evening, settings=settings) == 1
        assert queue_visit_plans(session, monday=MONDAY, now=sunday_evening, settings=settings) == 0
        (message,) = session.exec(select(NoticeMessage)).all()
        assert message.phone == "+4791234567" and not message.to_next_of_kin and message.segments <= 2
        assert message.text.startswith("Heimetenesta, besøk veke 48: mån ")
        assert "lau" not in message.text  # no visits planned at the weekend
        assert message.valid_until == local_instant(MONDAY, dt.time(7, 0))
        for private in ("stell", "måltid", "Anne", "Bjørn", "Cecilie", asked.name):
            assert private not in message.text
        times = message.text.split(": ", 1)[1].split(";")[0]  # Monday: morning and lunch
        assert len(times.split(",")) == 2


def test_the_visit_plan_sms_is_queued_once_when_two_runs_race(engine: Engine, settings: Settings) -> None:
    """The worker's Sunday task and `hjemmerute visit-plans` at the same moment: one message, not two."""
    with Session(engine) as session:
        team, _, recipients = _world(session)
        _lay_week(session, team, settings)
        recipients[0].phone, recipients[0].visit_plan_consent = "+4791234567", True
        session.add(recipients[0])
        session.commit()
    sunday_evening = local_instant(MONDAY - dt.timedelta(days=1), dt.time(18, 0))

    def queue(_: int) -> int:
        with Session(engine) as session:
            return queue_visit_plans(session, monday=MONDAY, now=sunday_evening, settings=settings)

    assert sorted(at_once(4, queue)) == [0, 0, 0, 1]
    with Session(engine) as session:
        assert len(session.exec(select(NoticeMessage)).all()) == 1
