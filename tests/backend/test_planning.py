"""Daily planning through the API: lag kjørelister → publish → sick call → re-plan → publish, on the demo
municipality (real OSM network of Helsinki centre), against SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.admin.service import create_user
from backend.auth.models import User, UserCreate
from backend.auth.service import principal_of
from backend.carers.competence import is_nurse
from backend.carers.models import Carer
from backend.common.enums import PlanStatus, Role, ShiftKind
from backend.common.localtime import local_instant
from backend.decisions.expansion import DayVisit, visits_for
from backend.decisions.models import DecisionLink, DecisionVisit
from backend.demo import DEMO_PASSWORD, load_demo
from backend.errors import Conflict
from backend.municipality.models import MunicipalitySettings
from backend.planning.models import Plan
from backend.planning.networks import network_for
from backend.planning.possible import shift_possible
from backend.planning.service import publish_plan
from backend.planning.translate import shift_of
from backend.recipients.models import Recipient
from backend.rota.models import Absence, RotaEntry
from backend.settings import Settings
from backend.teams.models import Team
from tests.backend.concurrency import at_once
from tests.backend.conftest import Clock
from tests.backend.world import web_login

DAY = dt.date(2026, 11, 23)  # a Monday: every carer works


@pytest.fixture
def settings(planning_settings: Settings) -> Settings:
    return planning_settings


@pytest.fixture
def demo(client: TestClient, engine: Engine, clock: Clock) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The demo municipality at 09:55 on DAY (the server's clock, moved by tests that need another time)."""
    clock.at(dt.time(9, 55), DAY)
    with Session(engine) as session:
        walk = network_for(client.app.state.settings, "walk")  # type: ignore[attr-defined]
        load_demo(session, today=DAY, network=walk)
    token = client.post("/api/v1/auth/token", data={"username": "koordinator", "password": DEMO_PASSWORD})
    yield client, {"Authorization": f"Bearer {token.json()['access_token']}"}


def _run(client: TestClient, headers: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 202, response.text
    client.app.state.job_runner.wait_idle(timeout=120)  # type: ignore[attr-defined]
    job = client.get(f"/api/v1/jobs/{response.json()['id']}", headers=headers).json()
    assert job["status"] == "done", job
    return dict(job)


def _day_draft(client: TestClient, headers: dict[str, str]) -> int:
    """A new draft of team 1's day shift on DAY (a planning run)."""
    run = {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [1]}
    return int(_run(client, headers, "/api/v1/planning/runs", run)["result"]["plan_ids"][0])


def _published_day_plan(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """Team 1's day shift on DAY, planned and published."""
    plan_id = _day_draft(client, headers)
    assert client.post(f"/api/v1/plans/{plan_id}/publish", headers=headers).status_code == 200
    return dict(client.get(f"/api/v1/plans/{plan_id}", headers=headers).json())


def _assert_sound(session: Session, plan: dict[str, Any]) -> None:
    """Independent of the planner: every visit of the shift is planned once per carer it needs or listed as
    unassigned; starts lie in the agreed window or its soft extension; a carer never does two things at once;
    and the engine's validator (routing.check) accepted the plan."""
    assert plan["stats"]["check_feasible"] is True, plan["stats"]["violations"]
    day = dt.date.fromisoformat(plan["date"])
    expected = {
        v.decision_visit_id: v
        for v in visits_for(session, day=day, team_id=plan["team_id"])
        if shift_of(v).value == plan["shift_kind"]
    }
    served = Counter(s["decision_visit_id"] for r in plan["routes"] for s in r["stops"])
    unassigned = {u["decision_visit_id"] for u in plan["unassigned"]}
    for visit_id, visit in expected.items():
        needed = 2 if visit.double_staffed else 1
        assert served[visit_id] == needed or (served[visit_id] == 0 and visit_id in unassigned), visit_id
    for route in plan["routes"]:
        stops = route["stops"]
        for stop in stops:
            start = dt.datetime.fromisoformat(stop["planned_start"])
            assert start >= dt.datetime.fromisoformat(stop["window_start"])
            assert start <= dt.datetime.fromisoformat(stop["window_end"]) + dt.timedelta(hours=2)
        for before, after in itertools.pairwise(stops):
            assert before["planned_end"] <= after["planned_arrival"] or after["fixed"]


def test_plan_publish_sick_call_replan_publish(
    demo: tuple[TestClient, dict[str, str]], engine: Engine
) -> None:
    """The coordinator's morning: both teams' lists, one carer sick at 10:00, the rest re-planned."""
    client, headers = demo
    job = _run(client, headers, "/api/v1/planning/runs", {"date": DAY.isoformat(), "shift_kind": "day"})
    assert job["progress"]["done"] == job["progress"]["total"] == 2
    plan_ids = job["result"]["plan_ids"]
    with Session(engine) as session:
        plans = [client.get(f"/api/v1/plans/{pid}", headers=headers).json() for pid in plan_ids]
        for plan in plans:
            _assert_sound(session, plan)
            assert plan["status"] == "draft" and plan["source"] == "solver"
    plan = plans[0]
    assert client.post(f"/api/v1/plans/{plan['id']}/publish", headers=headers).status_code == 200

    busy = max(plan["routes"], key=lambda r: len(r["stops"]))
    sick = busy["carer_id"]
    ten = local_instant(DAY, dt.time(10))
    job = _run(
        client,
        headers,
        f"/api/v1/plans/{plan['id']}/replan",
        {"from_time": "10:00", "absent_carer_id": sick},
    )
    new = client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers).json()
    assert new["base_plan_id"] == plan["id"] and new["status"] == "draft"
    with Session(engine) as session:
        _assert_sound(session, new)
    sick_route = next(r for r in new["routes"] if r["carer_id"] == sick)
    assert all(dt.datetime.fromisoformat(s["planned_start"]) < ten for s in sick_route["stops"])
    assert all(s["fixed"] for s in sick_route["stops"])
    old_before_ten = {
        (r["carer_id"], s["decision_visit_id"], s["planned_start"])
        for r in plan["routes"]
        for s in r["stops"]
        if dt.datetime.fromisoformat(s["planned_start"]) < ten
    }
    new_fixed = {
        (r["carer_id"], s["decision_visit_id"], s["planned_start"])
        for r in new["routes"]
        for s in r["stops"]
        if s["fixed"]
    }
    assert old_before_ten == new_fixed
    diff = new["diff"]
    taken_over = [c for c in diff["changes"] if sick in c["old_carer_ids"]]
    assert taken_over and all("moved" in c["kinds"] or "unassigned" in c["kinds"] for c in taken_over)
    assert diff["affected_carer_ids"] == [sick]
    assert diff["moved_unaffected"] == 0
    assert set(diff["notice_recipient_ids"]) == {
        c["recipient_id"] for c in diff["changes"] if "now_late" in c["kinds"]
    }

    assert client.post(f"/api/v1/plans/{new['id']}/publish", headers=headers).status_code == 200
    old = client.get(f"/api/v1/plans/{plan['id']}", headers=headers).json()
    assert old["status"] == "superseded"
    again = client.post(f"/api/v1/plans/{plan['id']}/replan", json={"from_time": "11:00"}, headers=headers)
    assert again.status_code == 409 and "erstattet" in again.json()["detail"]


def test_urgent_visit_is_added_and_load_and_continuity_are_reported(
    demo: tuple[TestClient, dict[str, str]], engine: Engine
) -> None:
    """An alarm call at 11:00 joins the plan; the peak-load chart and weekly continuity are available."""
    client, headers = demo
    job = _run(
        client,
        headers,
        "/api/v1/planning/runs",
        {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [1]},
    )
    plan = client.get(f"/api/v1/plans/{job['result']['plan_ids'][0]}", headers=headers).json()
    with Session(engine) as session:
        person = session.exec(select(Recipient).where(Recipient.team_id == plan["team_id"])).first()
        assert person is not None
    urgent = {
        "recipient_id": person.id,
        "label": "Alarm",
        "window_start": "11:00",
        "window_end": "12:00",
        "tasks": [{"name": "tilsyn", "minutes": 20}],
    }
    job = _run(
        client, headers, f"/api/v1/plans/{plan['id']}/replan", {"from_time": "10:30", "urgent_visit": urgent}
    )
    new = client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers).json()
    added = [c for c in new["diff"]["changes"] if "added" in c["kinds"]]
    assert [c["recipient_id"] for c in added] == [person.id]
    with Session(engine) as session:
        _assert_sound(session, new)

    slots = client.get(f"/api/v1/plans/{plan['id']}/load", headers=headers).json()
    assert len(slots) == 18 and slots[0]["label"] == "06:00"  # the day shift's hours (common.shifts)
    assert sum(s["visits"] for s in slots) > 0
    assert all(s["overloaded"] == (s["need_carers"] > s["carers_on_shift"]) for s in slots)
    assert client.post(f"/api/v1/plans/{plan['id']}/publish", headers=headers).status_code == 200
    rows = client.get(
        f"/api/v1/teams/{plan['team_id']}/continuity", params={"date": DAY.isoformat()}, headers=headers
    ).json()
    assert rows and all(r["distinct_carers"] >= 1 and r["visits"] >= r["distinct_carers"] for r in rows)


def _vedtak_from_day(
    client: TestClient, headers: dict[str, str], recipient_id: int | None, visit: dict[str, Any]
) -> dict[str, Any]:
    """A vedtak registered through the API from DAY, with one visit on DAY's weekday."""
    response = client.post(
        "/api/v1/decisions",
        headers=headers,
        json={
            "recipient_id": recipient_id,
            "valid_from": DAY.isoformat(),
            "weekdays": [DAY.isoweekday()],
            "visits": [visit],
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_bad_input_still_gives_a_plan_for_everything_else(
    demo: tuple[TestClient, dict[str, str]], engine: Engine
) -> None:
    """No carers on shift, a window no shift covers and an address off the network: each is listed with
    what to fix, the capacity bound names the visit no shift can make on time, and the rest of the day is
    planned."""
    client, headers = demo
    with Session(engine) as session:
        team = session.exec(select(Team)).first()
        assert team is not None and team.id is not None
        people = list(session.exec(select(Recipient).where(Recipient.team_id == team.id)))
        far = people[0]
        far.lat, far.lon = 60.30, 25.40  # 20 km out in the sea east of the extract
        session.add(far)
        session.commit()
        far_id, early_id, team_id = far.id, people[1].id, team.id
    _vedtak_from_day(
        client,
        headers,
        early_id,
        {
            "label": "Tidlig",
            "window_start": "06:00",
            "window_end": "06:30",
            "window_hard": True,
            "tasks": [{"name": "medisiner", "minutes": 10}],
        },
    )
    job = _run(
        client,
        headers,
        "/api/v1/planning/runs",
        {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [team_id]},
    )
    plan = client.get(f"/api/v1/plans/{job['result']['plan_ids'][0]}", headers=headers).json()
    assert any(i["kind"] == "unsnappable" and i["recipient_id"] == far_id for i in plan["issues"])
    outside = [u for u in plan["unassigned"] if u["recipient_id"] == early_id and u["label"] == "Tidlig"]
    assert outside and outside[0]["reason"] == "outside_shifts"
    never = {(c["recipient_id"], c["label"]): c["reason"] for c in plan["stats"]["cannot_be_on_time"]}
    assert never[(early_id, "Tidlig")] == "no_shift_covers"  # the bound says why, too
    stats = plan["stats"]
    assert stats["on_time"] <= stats["bound_on_time"] <= stats["solver_visits"] - 1
    assert sum(len(r["stops"]) for r in plan["routes"]) > 5
    assert any(u["recipient_id"] == far_id and u["reason"] == "unsnappable" for u in plan["unassigned"])
    with Session(engine) as session:
        _assert_sound(session, plan)

    with Session(engine) as session:
        for entry in session.exec(select(RotaEntry).where(RotaEntry.date == DAY + dt.timedelta(days=30))):
            session.delete(entry)
        session.commit()
    empty_day = DAY + dt.timedelta(days=30)
    job = _run(
        client,
        headers,
        "/api/v1/planning/runs",
        {"date": empty_day.isoformat(), "shift_kind": "day", "team_ids": [team_id]},
    )
    empty = client.get(f"/api/v1/plans/{job['result']['plan_ids'][0]}", headers=headers).json()
    assert any(i["kind"] == "no_carers" for i in empty["issues"])
    assert empty["routes"] == [] and len(empty["unassigned"]) > 0

    stored = client.get(f"/api/v1/plans/{plan['id']}", headers=headers).json()
    with Session(engine) as session:
        stranger = session.exec(select(Recipient).where(Recipient.team_id != team_id)).first()
        assert stranger is not None
        absences_before = len(session.exec(select(Absence)).all())
    busy_carer = max(plan["routes"], key=lambda r: len(r["stops"]))["carer_id"]
    urgent_elsewhere = {
        "from_time": "10:00",
        "absent_carer_id": busy_carer,
        "urgent_visit": {
            "recipient_id": stranger.id,
            "window_start": "11:00",
            "window_end": "12:00",
            "tasks": [{"name": "x", "minutes": 10}],
        },
    }
    for body, status, needle in (
        (urgent_elsewhere, 422, "finnes ikke i planens team"),  # no name of another team's recipient
        ({"from_time": "10:00", "absent_carer_id": 999999}, 422, "ingen kjøreliste"),
        ({"from_time": "25:00"}, 422, "from_time"),
        ({"from_time": "08:00"}, 422, "passert"),  # 09:55 by the server's clock
        (
            {
                "from_time": "10:00",
                "urgent_visit": {
                    "recipient_id": far_id,
                    "window_start": "19:00",
                    "window_end": "20:00",
                    "tasks": [{"name": "x", "minutes": 10}],
                },
            },
            422,
            "vakt",
        ),
    ):
        response = client.post(f"/api/v1/plans/{plan['id']}/replan", json=body, headers=headers)
        assert response.status_code == status and needle in response.text, response.text
        assert stranger.name not in response.text
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=headers).json() == stored
    with Session(engine) as session:  # the refused request's sick call was not half-saved
        assert len(session.exec(select(Absence)).all()) == absences_before
    for _ in range(2):  # the same sick call twice (two re-plans): one absence
        sick = {"from_time": "10:00", "absent_carer_id": busy_carer}
        assert (
            client.post(f"/api/v1/plans/{plan['id']}/replan", json=sick, headers=headers).status_code == 202
        )
    client.app.state.job_runner.wait_idle(timeout=120)  # type: ignore[attr-defined]
    with Session(engine) as session:
        assert len(session.exec(select(Absence).where(Absence.carer_id == busy_carer)).all()) == 1


def test_links_hold_across_shifts(demo: tuple[TestClient, dict[str, str]], engine: Engine) -> None:
    """Lunch is planned in the day shift and dinner in the evening shift: the evening plan places each linked
    dinner at least the vedtak's gap after the lunch the day plan placed (or says why it cannot). One user's
    lunch is agreed 13:30-14:30 and dinner 15:00-16:00 with three hours between: the dinner comes late
    rather than too soon."""
    client, headers = demo
    with Session(engine) as session:
        squeezed = session.exec(select(DecisionLink)).first()
        assert squeezed is not None, "the demo has lunch → dinner links"
        lunch = session.get(DecisionVisit, squeezed.from_visit_id)
        dinner = session.get(DecisionVisit, squeezed.to_visit_id)
        assert lunch is not None and dinner is not None
        lunch.window_start, lunch.window_end = dt.time(13, 30), dt.time(14, 30)
        dinner.window_start, dinner.window_end = dt.time(15), dt.time(16)
        squeezed.min_gap_minutes = 180
        session.add_all([lunch, dinner, squeezed])
        session.commit()
        squeezed_dinner = dinner.id
    day_job = _run(client, headers, "/api/v1/planning/runs", {"date": DAY.isoformat(), "shift_kind": "day"})
    evening_job = _run(
        client, headers, "/api/v1/planning/runs", {"date": DAY.isoformat(), "shift_kind": "evening"}
    )
    plans = [
        client.get(f"/api/v1/plans/{pid}", headers=headers).json()
        for pid in day_job["result"]["plan_ids"] + evening_job["result"]["plan_ids"]
    ]
    starts = {
        s["decision_visit_id"]: dt.datetime.fromisoformat(s["planned_start"])
        for p in plans
        for r in p["routes"]
        for s in r["stops"]
    }
    reasons = {u["decision_visit_id"]: u["reason"] for p in plans for u in p["unassigned"]}
    pairs = []
    with Session(engine) as session:
        for plan in plans:
            _assert_sound(session, plan)
        for team in session.exec(select(Team)):
            for visit in visits_for(session, day=DAY, team_id=team.id or 0):
                for link in visit.links:
                    if link.to_visit_id == visit.decision_visit_id and link.from_visit_id in starts:
                        pairs.append((link, visit.decision_visit_id))
    assert squeezed_dinner in {dinner for _, dinner in pairs}
    for link, dinner in pairs:
        if dinner in starts:
            gap = starts[dinner] - starts[link.from_visit_id]
            assert gap >= dt.timedelta(minutes=link.min_gap_minutes), (dinner, gap)
        else:
            assert reasons[dinner] in ("link_other_shift", "capacity", "link_infeasible")


def _tablet_of(client: TestClient, engine: Engine, carer_id: int, username: str) -> dict[str, str]:
    """A user for the carer, logged in: the headers their tablet sends."""
    with Session(engine) as session:
        create_user(
            session,
            data=UserCreate(
                username=username,
                full_name=username,
                password=DEMO_PASSWORD,
                role=Role.carer,
                carer_id=carer_id,
            ),
        )
    token = client.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _event(client: TestClient, carer: dict[str, str], stop_id: int, kind: str, at: dt.datetime) -> None:
    body = {"event_uuid": str(uuid.uuid4()), "stop_id": stop_id, "kind": kind, "device_time": at.isoformat()}
    response = client.post("/api/v1/visit-events", json=body, headers=carer)
    assert response.status_code == 201, response.text


def test_a_replan_at_12_59_keeps_what_happened_and_plans_nothing_in_the_past(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, clock: Clock
) -> None:
    """At 12:59 a carer is ten minutes late into a visit: re-planning from now keeps that visit from its
    check-in (and counts its lateness), plans nothing before 12:59, refuses a «Fra kl.» in the past, and
    keeps every carer's shift and break."""
    client, headers = demo
    clock.at(dt.time(6, 30))
    run = {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [1]}
    job = _run(client, headers, "/api/v1/planning/runs", run)
    base = client.get(f"/api/v1/plans/{job['result']['plan_ids'][0]}", headers=headers).json()
    assert client.post(f"/api/v1/plans/{base['id']}/publish", headers=headers).status_code == 200

    twelve_59 = local_instant(DAY, dt.time(12, 59))

    def morning(route: dict[str, Any]) -> list[dict[str, Any]]:
        cut = twelve_59 - dt.timedelta(minutes=10)
        return [s for s in route["stops"] if dt.datetime.fromisoformat(s["planned_start"]) < cut]

    route = max(base["routes"], key=lambda r: len(morning(r)))
    carer_id = route["carer_id"]
    *done, current = morning(route)
    assert done, "the carer has visits in the morning"
    carer = _tablet_of(client, engine, carer_id, "pleier-test")
    clock.at(dt.time(12, 59))  # the tablet reports the morning as it happened, by 12:59
    for stop in done:
        _event(client, carer, stop["id"], "check_in", dt.datetime.fromisoformat(stop["planned_start"]))
        _event(client, carer, stop["id"], "check_out", dt.datetime.fromisoformat(stop["planned_end"]))
    began = max(
        dt.datetime.fromisoformat(current["planned_start"]) + dt.timedelta(minutes=10),
        twelve_59 - dt.timedelta(minutes=9),
    )
    _event(client, carer, current["id"], "check_in", began)

    refused = client.post(f"/api/v1/plans/{base['id']}/replan", json={"from_time": "10:00"}, headers=headers)
    assert refused.status_code == 422 and "passert" in refused.json()["detail"]
    job = _run(client, headers, f"/api/v1/plans/{base['id']}/replan", {})
    new = client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers).json()
    with Session(engine) as session:
        _assert_sound(session, new)

    for stop in (s for r in new["routes"] for s in r["stops"] if not s["fixed"]):
        assert dt.datetime.fromisoformat(stop["planned_start"]) >= twelve_59, stop
    mine = next(r for r in new["routes"] if r["carer_id"] == carer_id)
    in_progress = next(s for s in mine["stops"] if s["decision_visit_id"] == current["decision_visit_id"])
    length = dt.datetime.fromisoformat(current["planned_end"]) - dt.datetime.fromisoformat(
        current["planned_start"]
    )
    assert in_progress["fixed"] and dt.datetime.fromisoformat(in_progress["planned_start"]) == began
    assert dt.datetime.fromisoformat(in_progress["planned_end"]) == max(began + length, twelve_59)
    window_end = dt.datetime.fromisoformat(in_progress["window_end"])
    assert in_progress["lateness_seconds"] == max(0, int((began - window_end).total_seconds()))
    assert new["objective"]["lateness_total_s"] >= in_progress["lateness_seconds"]
    later = [s for s in mine["stops"] if not s["fixed"]]
    if later:
        assert dt.datetime.fromisoformat(later[0]["planned_arrival"]) >= dt.datetime.fromisoformat(
            in_progress["planned_end"]
        )

    old_routes = {r["carer_id"]: r for r in base["routes"]}
    for route in new["routes"]:
        old = old_routes[route["carer_id"]]
        assert (route["shift_start"], route["shift_end"]) == (old["shift_start"], old["shift_end"])
        if old["break_minutes"]:
            assert route["break_minutes"] == old["break_minutes"], route["carer_id"]
            if dt.datetime.fromisoformat(old["break_start"]) < twelve_59:
                assert route["break_start"] == old["break_start"]  # taken before the re-plan: as it was
            else:
                assert dt.datetime.fromisoformat(route["break_start"]) >= twelve_59


def test_a_replan_takes_up_the_visit_a_late_carer_has_not_reached(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, clock: Clock
) -> None:
    """A carer who reports on the tablet checks in to the first visit so late that the next one's planned
    start has passed: a re-plan from now plans that visit again (not before now, with them or a
    colleague) instead of keeping it at its past time; a carer who has reported nothing keeps the past
    of the list as planned (the office cannot tell it did not happen). Each route's travel stays the
    day's: what was driven before the re-plan counts."""
    client, headers = demo
    clock.at(dt.time(6, 30))
    run = {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [1]}
    (base,) = _planned(client, headers, run)
    assert client.post(f"/api/v1/plans/{base['id']}/publish", headers=headers).status_code == 200

    def start(stop: dict[str, Any]) -> dt.datetime:
        return dt.datetime.fromisoformat(stop["planned_start"])

    late, *others = sorted(base["routes"], key=lambda r: -len(r["stops"]))
    first, behind = late["stops"][:2]
    began = start(behind) + dt.timedelta(minutes=5)  # into the first visit after the second was due
    now = began + dt.timedelta(minutes=1)
    clock.now = now
    _event(client, _tablet_of(client, engine, late["carer_id"], "pleier-sen"), first["id"], "check_in", began)
    job = _run(client, headers, f"/api/v1/plans/{base['id']}/replan", {})
    new = client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers).json()
    with Session(engine) as session:
        _assert_sound(session, new)

    placed = {s["decision_visit_id"]: s for r in new["routes"] for s in r["stops"]}
    again = placed.get(behind["decision_visit_id"])
    unassigned = {u["decision_visit_id"] for u in new["unassigned"]}
    assert again is not None or behind["decision_visit_id"] in unassigned
    if again is not None:
        assert not again["fixed"] and start(again) >= now, again
    quiet_past = [s for r in others for s in r["stops"] if start(s) < now]
    assert quiet_past, "another carer's list has a past"
    for route in new["routes"]:  # a route's travel is the day's (the KPIs read it), kept stops included
        assert route["travel_seconds"] >= sum(s["travel_seconds"] for s in route["stops"]), route["carer_id"]
    for stop in quiet_past:
        kept = placed[stop["decision_visit_id"]]
        assert kept["fixed"] and start(kept) == start(stop)


def test_a_carer_gone_home_keeps_the_shift_worked_in_a_replan(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, clock: Clock
) -> None:
    """A carer goes home sick at 13:00 after the break; the re-plan at 13:05 leaves them no time, yet their
    route still holds the morning they worked (shift start to 13:00) and the break they took, so the KPIs
    count the hours paid beside the drives made (a route without a shift counted none)."""
    client, headers = demo
    clock.at(dt.time(6, 30))
    run = {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [1]}
    (base,) = _planned(client, headers, run)
    assert client.post(f"/api/v1/plans/{base['id']}/publish", headers=headers).status_code == 200
    home_at = local_instant(DAY, dt.time(13, 0))
    gone = next(
        r
        for r in base["routes"]
        if r["break_start"]
        and dt.datetime.fromisoformat(r["break_start"]) < home_at - dt.timedelta(minutes=30)
    )
    sick = {
        "carer_id": gone["carer_id"],
        "start": home_at.isoformat(),
        "end": local_instant(DAY + dt.timedelta(days=1), dt.time(0, 0)).isoformat(),
        "reason": "sick_leave",
    }
    assert client.post("/api/v1/absences", json=sick, headers=headers).status_code == 201
    clock.now = home_at + dt.timedelta(minutes=5)
    job = _run(client, headers, f"/api/v1/plans/{base['id']}/replan", {})
    new = client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers).json()
    with Session(engine) as session:
        _assert_sound(session, new)
    route = next(r for r in new["routes"] if r["carer_id"] == gone["carer_id"])
    assert route["shift_start"] == gone["shift_start"]
    assert dt.datetime.fromisoformat(route["shift_end"]) == home_at
    assert (route["break_start"], route["break_minutes"]) == (gone["break_start"], gone["break_minutes"])
    assert all(dt.datetime.fromisoformat(s["planned_start"]) < home_at for s in route["stops"])
    for other in (r for r in new["routes"] if r["carer_id"] != gone["carer_id"]):
        was = next(r for r in base["routes"] if r["carer_id"] == other["carer_id"])
        assert (other["shift_start"], other["shift_end"]) == (was["shift_start"], was["shift_end"])


def test_a_stand_in_called_in_for_a_sick_nurse_takes_the_visits_in_the_replan(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, clock: Clock
) -> None:
    """06:45: a nurse of team 1 calls in sick for the day. The product offers who can stand in: Vera, a nurse
    off today, from 07:45 (an hour after the call); Ola, who worked until 22:30 last night, only from 09:30
    (11 hours' rest); not Siri, whose evening shift today would leave her no rest, nor Hans, a health worker
    who may not do a nurse's visits. Vera is called in, the day is re-planned, and Vera takes visits from
    07:45 on while the sick nurse has none (the plan checked by routing.check)."""
    client, headers = demo
    clock.at(dt.time(6, 30))
    run = {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [1]}
    (base,) = _planned(client, headers, run)
    assert client.post(f"/api/v1/plans/{base['id']}/publish", headers=headers).status_code == 200
    with Session(engine) as session:
        nurses = {c.id for c in session.exec(select(Carer)) if is_nurse(c.competences)}
    sick = next(r["carer_id"] for r in base["routes"] if r["carer_id"] in nurses and r["stops"])
    entry = next(
        e
        for e in client.get(f"/api/v1/rota?date={DAY.isoformat()}", headers=headers).json()
        if e["carer_id"] == sick and e["shift_kind"] == "day"
    )
    offers = client.get(f"/api/v1/rota/{entry['id']}/stand-ins", headers=headers)
    assert offers.status_code == 409 and "ikke registrert borte" in offers.json()["detail"]

    def carer(name: str, competence: str, shift: tuple[dt.date, str, str, str] | None = None) -> int:
        made = client.post(
            "/api/v1/carers", json={"name": name, "team_id": 1, "competences": [competence]}, headers=headers
        )
        assert made.status_code == 201, made.text
        if shift is not None:
            day, kind, start, end = shift
            body = {"carer_id": made.json()["id"], "date": day.isoformat(), "shift_kind": kind}
            added = client.post("/api/v1/rota", json={**body, "start": start, "end": end}, headers=headers)
            assert added.status_code == 201, added.text
        return int(made.json()["id"])

    vera = carer("Vera Vikar", "sykepleier")
    ola = carer("Ola Kveld", "sykepleier", (DAY - dt.timedelta(days=1), "evening", "15:00", "22:30"))
    siri = carer("Siri Senvakt", "sykepleier", (DAY, "evening", "15:00", "22:30"))
    hans = carer("Hans Hjelper", "helsefagarbeider")
    clock.at(dt.time(6, 45))
    absence = {
        "carer_id": sick,
        "start": local_instant(DAY, dt.time(6, 45)).isoformat(),
        "end": local_instant(DAY + dt.timedelta(days=1), dt.time(0, 0)).isoformat(),
        "reason": "self_certified",
    }
    assert client.post("/api/v1/absences", json=absence, headers=headers).status_code == 201
    offers = client.get(f"/api/v1/rota/{entry['id']}/stand-ins", headers=headers).json()
    starts = {o["carer_id"]: dt.datetime.fromisoformat(o["start"]) for o in offers}
    assert starts[vera] == local_instant(DAY, dt.time(7, 45))
    assert starts[ola] == local_instant(DAY, dt.time(9, 30))
    assert siri not in starts and hans not in starts and sick not in starts
    assert offers[0]["carer_id"] == vera and all(o["same_team"] for o in offers[:2])
    for refused, reason in ((siri, "11 timers hvile"), (hans, "kompetansen")):
        answer = client.post(
            f"/api/v1/rota/{entry['id']}/stand-ins", json={"carer_id": refused}, headers=headers
        )
        assert answer.status_code == 409 and reason in answer.json()["detail"], answer.text
    called = client.post(f"/api/v1/rota/{entry['id']}/stand-ins", json={"carer_id": vera}, headers=headers)
    assert called.status_code == 201, called.text
    shift = called.json()
    assert dt.datetime.fromisoformat(shift["start"]) == starts[vera]
    assert (shift["end"], shift["break_minutes"]) == (entry["end"], entry["break_minutes"])
    again = client.post(f"/api/v1/rota/{entry['id']}/stand-ins", json={"carer_id": vera}, headers=headers)
    assert again.status_code == 409 and "allerede" in again.json()["detail"]

    job = _run(client, headers, f"/api/v1/plans/{base['id']}/replan", {"from_time": "07:00"})
    new = client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers).json()
    with Session(engine) as session:
        _assert_sound(session, new)
    routes = {r["carer_id"]: r for r in new["routes"]}
    assert sick not in routes or not routes[sick]["stops"]
    assert routes[vera]["stops"], "the stand-in takes visits in the re-plan"
    assert all(dt.datetime.fromisoformat(s["planned_arrival"]) >= starts[vera] for s in routes[vera]["stops"])
    # the console's plan page says who is away, with the way to the stand-ins
    absence_id = client.get(
        "/api/v1/absences", params={"from": DAY.isoformat(), "to": DAY.isoformat()}, headers=headers
    ).json()[0]["id"]
    web_login(client, "koordinator", DEMO_PASSWORD)
    page = client.get(f"/konsoll/planer/{new['id']}")
    assert f'href="/konsoll/turnus/fravaer/{absence_id}/vikar">Finn vikar' in page.text


def test_a_stale_draft_is_refused_unless_confirmed(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, clock: Clock
) -> None:
    """Two drafts made against nothing published: the second, published after the first, would undo it;
    a draft made before a sick call would send the sick carer out. Both need the coordinator's yes."""
    client, headers = demo
    clock.at(dt.time(6, 0))
    first, second = (_day_draft(client, headers) for _ in range(2))
    published = client.post(f"/api/v1/plans/{first}/publish", headers=headers).json()
    assert published["revision"] == 1 and published["from_revision"] == 0

    stale = client.post(f"/api/v1/plans/{second}/publish", headers=headers)
    assert stale.status_code == 409 and "revisjon 1" in stale.json()["detail"]
    assert client.get(f"/api/v1/plans/{second}", headers=headers).json()["status"] == "draft"
    confirmed = client.post(f"/api/v1/plans/{second}/publish", json={"confirm": True}, headers=headers).json()
    assert confirmed["status"] == "published" and confirmed["revision"] == 2
    assert client.get(f"/api/v1/plans/{first}", headers=headers).json()["status"] == "superseded"

    third = client.get(f"/api/v1/plans/{_day_draft(client, headers)}", headers=headers).json()
    assert third["from_revision"] == 2
    busy = max(third["routes"], key=lambda r: len(r["stops"]))
    absence = {
        "carer_id": busy["carer_id"],
        "start": local_instant(DAY, dt.time(6, 0)).isoformat(),
        "end": local_instant(DAY + dt.timedelta(days=1), dt.time(0, 0)).isoformat(),
        "reason": "sick_leave",
    }
    assert client.post("/api/v1/absences", json=absence, headers=headers).status_code == 201
    refused = client.post(f"/api/v1/plans/{third['id']}/publish", headers=headers)
    assert refused.status_code == 409 and "meldt fraværende" in refused.json()["detail"]
    with Session(engine) as session:
        name = session.exec(select(Carer.name).where(Carer.id == busy["carer_id"])).one()
    assert name in refused.json()["detail"]
    assert client.get(f"/api/v1/plans/{second}", headers=headers).json()["status"] == "published"


def test_concurrent_publishes_leave_exactly_one_published_plan(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, clock: Clock
) -> None:
    """Ten coordinators' requests at once, five for each of two drafts of the same team, date and shift
    (confirmed, so only the database stands between them): one published plan, each draft published at
    most once, every loser told so."""
    client, headers = demo
    clock.at(dt.time(6, 0))
    drafts = [_day_draft(client, headers) for _ in range(2)]
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "koordinator")).one()
        principal = principal_of(session, user)

    def publish(index: int) -> str:
        with Session(engine) as session:
            try:
                publish_plan(session, principal=principal, plan_id=drafts[index % 2], confirm=True)
            except Conflict:
                return "conflict"
            return "published"

    outcomes = at_once(10, publish)
    assert 1 <= outcomes.count("published") <= 2 and outcomes.count("conflict") == 10 - outcomes.count(
        "published"
    )
    with Session(engine) as session:
        plans = list(session.exec(select(Plan).where(Plan.team_id == 1, Plan.date == DAY)))
    assert sum(p.status == PlanStatus.published for p in plans) == 1
    revisions = [p.revision for p in plans if p.revision]
    assert len(revisions) == outcomes.count("published") == len(set(revisions))


def _linked_or_double(session: Session, day_visits: list[DayVisit]) -> set[int]:
    links = session.exec(select(DecisionLink)).all()
    linked = {link.from_visit_id for link in links} | {link.to_visit_id for link in links}
    return linked | {v.decision_visit_id for v in day_visits if v.double_staffed}


def test_hand_edits_are_checked_and_each_makes_a_new_draft(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, clock: Clock
) -> None:
    """On a published plan at 06:00: take a visit out, put it back where the best places are offered, move
    it to another carer, and try to give a nurse's visit to a carer without that competence (blocked, the
    rule named). Each accepted edit is a checked draft based on the edited plan; undo deletes it."""
    client, headers = demo
    clock.at(dt.time(6, 0))
    base = _published_day_plan(client, headers)
    with Session(engine) as session:
        day_visits = [v for v in visits_for(session, day=DAY, team_id=1) if shift_of(v).value == "day"]
        tied = _linked_or_double(session, day_visits)
        nurse = {v.decision_visit_id for v in day_visits if "sykepleier" in v.required_competences} - tied
        competences = {c.id: c.competences for c in session.exec(select(Carer))}
    loose = [(r, s) for r in base["routes"] for s in r["stops"] if s["decision_visit_id"] not in tied | nurse]
    route, stop = loose[len(loose) // 2]

    def edit(plan_id: int, body: dict[str, Any]) -> Any:
        return client.post(f"/api/v1/plans/{plan_id}/edits", json=body, headers=headers)

    removed = edit(base["id"], {"action": "remove", "stop_id": stop["id"]})
    assert removed.status_code == 201, removed.text
    taken_out = removed.json()
    assert taken_out["source"] == "edited" and taken_out["base_plan_id"] == base["id"]
    assert taken_out["status"] == "draft" and taken_out["from_revision"] == 1
    out = next(u for u in taken_out["unassigned"] if u["decision_visit_id"] == stop["decision_visit_id"])
    assert out["reason"] == "by_hand"
    with Session(engine) as session:
        _assert_sound(session, taken_out)

    options = client.get(
        f"/api/v1/plans/{taken_out['id']}/insert-options",
        params={"decision_visit_id": stop["decision_visit_id"]},
        headers=headers,
    ).json()
    assert options, "it fitted before, so it fits again"
    cheapest = options[0]
    back = edit(
        taken_out["id"],
        {
            "action": "insert",
            "decision_visit_id": stop["decision_visit_id"],
            "carer_id": cheapest["carer_id"],
            "position": cheapest["position"],
        },
    ).json()
    placed = next(
        s for r in back["routes"] for s in r["stops"] if s["decision_visit_id"] == stop["decision_visit_id"]
    )
    assert dt.datetime.fromisoformat(placed["planned_start"]) == dt.datetime.fromisoformat(cheapest["start"])
    with Session(engine) as session:
        _assert_sound(session, back)

    elsewhere = next(o for o in options if o["carer_id"] != route["carer_id"])
    if elsewhere:  # the same place, reached by moving the visit on the published plan
        moved = edit(
            base["id"],
            {
                "action": "move",
                "stop_id": stop["id"],
                "carer_id": elsewhere["carer_id"],
                "position": elsewhere["position"],
            },
        )
        assert moved.status_code == 201, moved.text
        change = next(
            c for c in moved.json()["diff"]["changes"] if c["decision_visit_id"] == stop["decision_visit_id"]
        )
        assert "moved" in change["kinds"] and change["new_carer_ids"] == [elsewhere["carer_id"]]

    nurse_stop = next(s for r in base["routes"] for s in r["stops"] if s["decision_visit_id"] in nurse)
    helper = next(
        r for r in base["routes"] if "sykepleier" not in competences[r["carer_id"]] and r["shift_start"]
    )
    blocked = edit(
        base["id"],
        {"action": "move", "stop_id": nurse_stop["id"], "carer_id": helper["carer_id"], "position": 0},
    )
    assert blocked.status_code == 422 and "kompetansen" in blocked.json()["detail"], blocked.text

    pairs = Counter(s["decision_visit_id"] for r in base["routes"] for s in r["stops"])
    halves = [(r, s) for r in base["routes"] for s in r["stops"] if pairs[s["decision_visit_id"]] == 2]
    assert halves, "the demo has double-staffed visits"
    # both halves of a double-staffed visit to one carer: the second carer is gone
    (_, half), (other_route, _) = sorted(
        (h for h in halves if h[1]["decision_visit_id"] == halves[0][1]["decision_visit_id"]),
        key=lambda h: h[0]["carer_id"],
    )
    alone = edit(base["id"], {"action": "move", "stop_id": half["id"], "carer_id": other_route["carer_id"]})
    assert alone.status_code == 422 and "dobbeltbemanning" in alone.json()["detail"], alone.text

    for body, status, needle in (
        ({"action": "move", "stop_id": stop["id"], "carer_id": 999999}, 422, "ikke på vakt"),
        (
            {"action": "move", "stop_id": stop["id"], "carer_id": route["carer_id"], "position": 199},
            422,
            "finnes ikke",
        ),
        (
            {
                "action": "insert",
                "decision_visit_id": stop["decision_visit_id"],
                "carer_id": route["carer_id"],
            },
            422,
            "ikke planlagte",
        ),
        ({"action": "move", "stop_id": stop["id"]}, 422, "carer_id"),
        ({"action": "remove", "stop_id": 999999}, 409, "finnes ikke"),
    ):
        response = edit(base["id"], body)
        assert response.status_code == status and needle in response.text, (body, response.text)

    # two coordinators edit the published plan at once: each gets a draft; the second to publish is told
    # the first one's work would be undone, and nothing is lost unless they confirm
    first = edit(base["id"], {"action": "remove", "stop_id": loose[0][1]["id"]}).json()
    second = edit(base["id"], {"action": "remove", "stop_id": loose[-1][1]["id"]}).json()
    assert client.post(f"/api/v1/plans/{first['id']}/publish", headers=headers).status_code == 200
    late = client.post(f"/api/v1/plans/{second['id']}/publish", headers=headers)
    assert late.status_code == 409 and "revisjon 2" in late.json()["detail"]
    assert client.get(f"/api/v1/plans/{first['id']}", headers=headers).json()["status"] == "published"

    assert client.delete(f"/api/v1/plans/{back['id']}", headers=headers).status_code == 204  # undo
    assert client.get(f"/api/v1/plans/{taken_out['id']}", headers=headers).json()["status"] == "draft"
    assert client.get(f"/api/v1/plans/{base['id']}", headers=headers).json()["status"] == "superseded"


def test_pinned_visits_stay_with_their_carer_when_the_rest_is_optimised(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, clock: Clock
) -> None:
    """«Fest» two visits (one with its time), «Optimaliser resten» (a re-plan from now with nobody absent):
    both stay with their carer and stay pinned in the new draft, the one pinned with its time at that time;
    a pinned visit cannot be moved by hand until «Løsne»."""
    client, headers = demo
    clock.at(dt.time(6, 0))
    base = _published_day_plan(client, headers)
    busy = sorted(base["routes"], key=lambda r: -len(r["stops"]))[:2]
    pins = {route["stops"][-1]["decision_visit_id"]: route["carer_id"] for route in busy}
    for index, route in enumerate(busy):  # the first with its time too
        stop = route["stops"][-1]
        pinned = client.post(
            f"/api/v1/plans/{base['id']}/stops/{stop['id']}/pin",
            json={"pinned": True, "keep_time": index == 0},
            headers=headers,
        )
        assert pinned.status_code == 200 and pinned.json()["pinned"] is True
        assert pinned.json()["pinned_time"] is (index == 0)

    other = client.post(
        f"/api/v1/plans/{base['id']}/edits",
        json={"action": "move", "stop_id": busy[0]["stops"][-1]["id"], "carer_id": busy[1]["carer_id"]},
        headers=headers,
    )
    assert other.status_code == 409 and "festet" in other.json()["detail"]

    job = _run(client, headers, f"/api/v1/plans/{base['id']}/replan", {})
    optimised = client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers).json()
    with Session(engine) as session:
        _assert_sound(session, optimised)
    held = {
        s["decision_visit_id"]: (r["carer_id"], s["pinned"])
        for r in optimised["routes"]
        for s in r["stops"]
        if s["decision_visit_id"] in pins
    }
    assert held == {visit: (carer, True) for visit, carer in pins.items()}
    timed = busy[0]["stops"][-1]
    kept = next(
        s
        for r in optimised["routes"]
        for s in r["stops"]
        if s["decision_visit_id"] == timed["decision_visit_id"]
    )
    assert kept["pinned_time"] and kept["planned_start"] == timed["planned_start"]

    stop_id = busy[0]["stops"][-1]["id"]
    loose = client.post(
        f"/api/v1/plans/{base['id']}/stops/{stop_id}/pin", json={"pinned": False}, headers=headers
    )
    assert loose.status_code == 200 and loose.json()["pinned"] is False
    assert (
        client.post(
            f"/api/v1/plans/{base['id']}/stops/999999/pin", json={"pinned": True}, headers=headers
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/plans/{optimised['id']}/publish", headers=headers).status_code == 200
    stale = client.post(
        f"/api/v1/plans/{base['id']}/stops/{stop_id}/pin", json={"pinned": True}, headers=headers
    )
    assert stale.status_code == 409 and "erstattet" in stale.json()["detail"]


def test_the_week_view_shows_each_day_and_shift(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, clock: Clock
) -> None:
    """Seven days from Monday, day and evening: carers on shift and absent, visits, the plan that holds
    (published before a newer draft) and what it left out; another team's week is not shown."""
    client, headers = demo
    clock.at(dt.time(6, 0))
    plan_id = _published_day_plan(client, headers)["id"]
    _day_draft(client, headers)  # a newer draft: the published plan still holds
    with Session(engine) as session:
        carer_id = session.exec(
            select(RotaEntry.carer_id).where(RotaEntry.date == DAY + dt.timedelta(days=1))
        ).first()
        team_of_carer = session.exec(select(Carer.team_id).where(Carer.id == carer_id)).one()
    sick = {
        "carer_id": carer_id,
        "start": local_instant(DAY + dt.timedelta(days=1), dt.time(0)).isoformat(),
        "end": local_instant(DAY + dt.timedelta(days=2), dt.time(0)).isoformat(),
        "reason": "sick_leave",
    }
    assert client.post("/api/v1/absences", json=sick, headers=headers).status_code == 201

    week = client.get("/api/v1/teams/1/week", params={"date": DAY.isoformat()}, headers=headers).json()
    assert [(r["weekday"], r["shift_kind"]) for r in week[:2]] == [("mandag", "day"), ("mandag", "evening")]
    assert len(week) == 14 and week[-1]["weekday"] == "søndag"
    monday = week[0]
    assert monday["plan_id"] == plan_id and monday["plan_status"] == "published" and monday["revision"] == 1
    assert monday["carers_on_shift"] > 0 and monday["visits"] > 0 and monday["unassigned"] is not None
    assert all(r["plan_id"] is None for r in week[1:])
    other_week = client.get(
        f"/api/v1/teams/{team_of_carer}/week", params={"date": DAY.isoformat()}, headers=headers
    ).json()
    assert (
        sum(r["carers_absent"] for r in other_week if r["date"] == (DAY + dt.timedelta(days=1)).isoformat())
        == 1
    )
    assert (
        client.get("/api/v1/teams/999/week", params={"date": DAY.isoformat()}, headers=headers).status_code
        == 404
    )


def _solved_where(problem: Any, params: Any) -> Any:
    """Stand-in for the solve step that reports the process it ran in (module level: it must pickle)."""
    import os

    from backend.planning.flows import _solve_and_bound

    solved = _solve_and_bound(problem, params)
    return solved[0], (solved[1], os.getpid(), os.nice(0))


def test_one_teams_planning_is_solved_outside_the_serving_process(
    demo: tuple[TestClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A single team once was solved in a thread of the web server and froze every request meanwhile: the
    solve now always runs in a solver process (planning.solver_pool), for one team as for many."""
    import os

    from backend.planning import flows, solver_pool

    seen: list[tuple[int, int]] = []
    real_submit = solver_pool.submit

    def spying(workers: int, fn: Any, *args: Any) -> Any:
        future = real_submit(workers, _solved_where if fn is flows._solve_and_bound else fn, *args)
        if fn is flows._solve_and_bound:
            plan, (bound, pid, niceness) = future.result()
            seen.append((pid, niceness))
            done: Any = Future()
            done.set_result((plan, bound))
            return done
        return future

    monkeypatch.setattr(solver_pool, "submit", spying)
    client, headers = demo
    _day_draft(client, headers)
    assert seen and all(pid != os.getpid() for pid, _ in seen)
    # and below the serving process's priority, so a solve does not hold carers' requests up on 2 cores
    assert all(niceness >= min(19, os.nice(0) + solver_pool.SOLVER_NICENESS) for _, niceness in seen)


def _planned(client: TestClient, headers: dict[str, str], run: dict[str, Any]) -> list[dict[str, Any]]:
    """The plans of a planning run, as the API shows them."""
    plan_ids = _run(client, headers, "/api/v1/planning/runs", run)["result"]["plan_ids"]
    return [client.get(f"/api/v1/plans/{pid}", headers=headers).json() for pid in plan_ids]


def _municipality_allows(session: Session, **switches: bool) -> None:
    """Municipality settings switched on or off, committed."""
    municipality = session.get(MunicipalitySettings, 1)
    assert municipality is not None
    for name, value in switches.items():
        setattr(municipality, name, value)
    session.add(municipality)
    session.commit()


def _shift_visits(session: Session, team_id: int) -> set[int]:
    return {
        v.decision_visit_id
        for v in visits_for(session, day=DAY, team_id=team_id)
        if shift_of(v).value == "day"
    }


def _away_all_day(session: Session, carer_ids: list[int], note: str) -> None:
    _away_from(session, carer_ids, note, dt.time(0))


def _away_from(session: Session, carer_ids: list[int], note: str, start: dt.time) -> None:
    """The carers away on DAY from `start` to the end of the day."""
    end = local_instant(DAY + dt.timedelta(days=1), dt.time(0))
    for carer_id in carer_ids:
        session.add(Absence(carer_id=carer_id, start=local_instant(DAY, start), end=end, note=note))
    session.commit()


def _a_recipient_of(session: Session, team_id: int) -> int:
    recipient = session.exec(select(Recipient).where(Recipient.team_id == team_id)).first()
    assert recipient is not None and recipient.id is not None
    return recipient.id


def _day_shift_carers(session: Session, team_id: int) -> list[int]:
    return sorted(
        session.exec(
            select(RotaEntry.carer_id)
            .join(Carer, Carer.id == RotaEntry.carer_id)  # type: ignore[arg-type]
            .where(Carer.team_id == team_id, RotaEntry.date == DAY, RotaEntry.shift_kind == "day")
        ).all()
    )


def test_a_team_short_of_hands_itself_still_takes_visits_at_hours_it_has_room(
    demo: tuple[TestClient, dict[str, str]], engine: Engine
) -> None:
    """Gul keeps one carer all day; all but one of blå's leave for a course at 12:00, and a blå recipient
    gets an hour's visit agreed for 12:00-12:30 that the one left cannot fit. Blå leaves it out for
    capacity, yet has room in the morning, so it is still asked and takes some of gul's visits (its own
    visits keep every window they had; routing.check accepts both plans); each visit is in exactly one
    place. (Asked only when it left nothing out, blå took none.)"""
    client, headers = demo
    with Session(engine) as session:
        gul, blue = sorted(t.id or 0 for t in session.exec(select(Team)))[:2]
        _away_all_day(session, _day_shift_carers(session, gul)[1:], "langtidssykemeldt")
        _away_from(session, _day_shift_carers(session, blue)[1:], "kurs", dt.time(12))
        _municipality_allows(session, allow_cross_team_nurses=False)
        own = _shift_visits(session, gul)
        recipient_id = _a_recipient_of(session, blue)
    extra = _vedtak_from_day(
        client,
        headers,
        recipient_id,
        {
            "label": "Rengjøring",
            "window_start": "12:00",
            "window_end": "12:30",
            "tasks": [{"name": "rengjøring", "minutes": 60, "competence": "helsefagarbeider"}],
        },
    )["visits"][0]["id"]
    plans = _planned(client, headers, {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [gul, blue]})
    _, theirs = sorted(plans, key=lambda p: p["team_id"])
    lent = {s["decision_visit_id"] for r in theirs["routes"] for s in r["stops"]} & own
    assert lent, "blå, short itself, took none of gul's visits"
    assert any(i["kind"] == "borrowed" for i in theirs["issues"])
    places = Counter(s["decision_visit_id"] for p in plans for r in p["routes"] for s in r["stops"])
    places.update(u["decision_visit_id"] for p in plans for u in p["unassigned"])
    assert all(places[v] == 1 for v in own | {extra})
    for plan in plans:
        assert plan["stats"]["check_feasible"] is True, plan["stats"]["violations"]


def test_a_double_staffed_nurse_visit_goes_to_a_nurse_and_a_helper(
    demo: tuple[TestClient, dict[str, str]], engine: Engine
) -> None:
    """A lift with wound care (double-staffed, the task a nurse's) in a team with one nurse on the day shift:
    the nurse and a colleague without nurse competence start it together; the plan passes the check."""
    client, headers = demo
    with Session(engine) as session:
        team_id = min(t.id or 0 for t in session.exec(select(Team)))
        shift = session.exec(
            select(Carer)
            .join(RotaEntry, RotaEntry.carer_id == Carer.id)  # type: ignore[arg-type]
            .where(Carer.team_id == team_id, RotaEntry.date == DAY, RotaEntry.shift_kind == "day")
        ).all()
        nurses = sorted(c.id or 0 for c in shift if is_nurse(c.competences))
        helpers = {c.id for c in shift if not is_nurse(c.competences)}
        assert nurses and helpers, "the demo team has nurses and helpers on the day shift"
        _away_all_day(session, nurses[1:], "kurs")
        recipient_id = _a_recipient_of(session, team_id)
    made = _vedtak_from_day(
        client,
        headers,
        recipient_id,
        {
            "label": "Løft og sårstell",
            "window_start": "11:00",
            "window_end": "13:00",
            "double_staffed": True,
            "tasks": [{"name": "sårstell", "minutes": 20, "competence": "sykepleier"}],
        },
    )
    visit_id = made["visits"][0]["id"]
    (plan,) = _planned(client, headers, {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [team_id]})
    assert plan["stats"]["check_feasible"] is True, plan["stats"]["violations"]
    pair = [
        (r["carer_id"], s) for r in plan["routes"] for s in r["stops"] if s["decision_visit_id"] == visit_id
    ]
    assert len(pair) == 2, plan["unassigned"]
    (first, stop_a), (second, stop_b) = pair
    assert stop_a["planned_start"] == stop_b["planned_start"]
    assert nurses[0] in (first, second) and {first, second} & helpers


def test_visits_a_team_has_no_room_for_go_to_the_team_next_door_and_stay_there(
    demo: tuple[TestClient, dict[str, str]], engine: Engine
) -> None:
    """Team gul's day shift loses all but one carer ahead of the day (nurse visits are not lent on their
    own rule here); team blå has room. The visits gul
    cannot fit go to blå (both plans say so, routing.check accepts both), each of gul's visits is in exactly
    one place; a re-plan of gul's rest of the day leaves the lent visits with blå; with the municipality's
    setting off nothing is lent."""
    client, headers = demo
    with Session(engine) as session:
        teams = sorted(t.id or 0 for t in session.exec(select(Team)))
        gul, blue = teams[0], teams[1]
        _away_all_day(session, _day_shift_carers(session, gul)[1:], "langtidssykemeldt")
        _municipality_allows(session, allow_cross_team_nurses=False)  # nurse visits: their own rule
        own = _shift_visits(session, gul)
    run = {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [gul, blue]}
    plans = _planned(client, headers, run)
    mine, theirs = sorted(plans, key=lambda p: p["team_id"])
    lent = {s["decision_visit_id"] for r in theirs["routes"] for s in r["stops"]} & own
    assert lent, "blå took none of gul's visits"
    assert any(i["kind"] == "lent" for i in mine["issues"]) and any(
        i["kind"] == "borrowed" for i in theirs["issues"]
    )
    places = Counter(s["decision_visit_id"] for p in plans for r in p["routes"] for s in r["stops"])
    places.update(u["decision_visit_id"] for u in mine["unassigned"])
    assert all(places[v] >= 1 for v in own)
    assert all(places[v] == 1 for v in lent)
    assert {u["decision_visit_id"] for u in mine["unassigned"]}.isdisjoint(lent)
    for plan in plans:
        assert plan["stats"]["check_feasible"] is True, plan["stats"]["violations"]
    for plan in plans:
        assert client.post(f"/api/v1/plans/{plan['id']}/publish", headers=headers).status_code == 200

    job = _run(client, headers, f"/api/v1/plans/{mine['id']}/replan", {"from_time": "10:00"})
    again = client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers).json()
    assert again["stats"]["check_feasible"] is True
    planned_again = {s["decision_visit_id"] for r in again["routes"] for s in r["stops"]}
    assert lent.isdisjoint(planned_again | {u["decision_visit_id"] for u in again["unassigned"]})

    with Session(engine) as session:
        _municipality_allows(session, lend_across_teams=False)
    plans = _planned(client, headers, run)
    _, theirs = sorted(plans, key=lambda p: p["team_id"])
    assert not {s["decision_visit_id"] for r in theirs["routes"] for s in r["stops"]} & own


def test_after_a_sick_call_the_team_next_door_takes_what_no_longer_fits(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, clock: Clock
) -> None:
    """Both teams' day lists are published; at 07:30 every carer of gul's day shift calls in sick (a
    stomach bug through the office). While a blå carer with visits ahead is registered away this afternoon,
    blå is not asked (its own re-plan comes first). With that absence withdrawn, gul's re-plan has nobody
    left, and blå's published list gets a new draft that takes in what it can of gul's visits: every visit
    blå had on time stays on time, routing.check accepts it, gul's draft no longer lists what blå took.
    Published, a later re-plan of gul leaves them with blå."""
    client, headers = demo
    with Session(engine) as session:
        _municipality_allows(session, allow_cross_team_nurses=False)
        gul, blue = sorted(t.id or 0 for t in session.exec(select(Team)))
    run = {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [gul, blue]}
    plans = _planned(client, headers, run)
    mine, theirs = sorted(plans, key=lambda p: p["team_id"])
    for plan in plans:
        assert client.post(f"/api/v1/plans/{plan['id']}/publish", headers=headers).status_code == 200
    clock.at(dt.time(7, 30), DAY)
    sick_call = local_instant(DAY, dt.time(7, 30))
    off = sorted(r["carer_id"] for r in mine["routes"])
    with Session(engine) as session:
        for carer_id in off[1:]:
            end = local_instant(DAY + dt.timedelta(days=1), dt.time(0))
            session.add(Absence(carer_id=carer_id, start=sick_call, end=end, note="meldt syk"))
        session.commit()
    afternoon = next(r for r in theirs["routes"] if r["stops"])
    leave = {
        "carer_id": afternoon["carer_id"],
        "start": local_instant(DAY, dt.time(14)).isoformat(),
        "end": local_instant(DAY, dt.time(15)).isoformat(),
        "reason": "other",
        "note": "legetime",
    }
    registered = client.post("/api/v1/absences", json=leave, headers=headers)
    assert registered.status_code == 201, registered.text
    replan = {"from_time": "07:30", "absent_carer_id": off[0]}
    job = _run(client, headers, f"/api/v1/plans/{mine['id']}/replan", replan)
    assert job["result"]["help_plan_ids"] == []  # blå has a carer away later: its own re-plan comes first
    removed = client.delete(f"/api/v1/absences/{registered.json()['id']}", headers=headers)
    assert removed.status_code == 204
    job = _run(client, headers, f"/api/v1/plans/{mine['id']}/replan", replan)
    helpers = job["result"]["help_plan_ids"]
    assert len(helpers) == 1, job["result"]
    gul_draft = client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers).json()
    blue_draft = client.get(f"/api/v1/plans/{helpers[0]}", headers=headers).json()
    assert blue_draft["base_plan_id"] == theirs["id"] and blue_draft["team_id"] == blue
    assert blue_draft["stats"]["check_feasible"] is True, blue_draft["stats"]["violations"]
    assert all(s["fixed"] for r in gul_draft["routes"] for s in r["stops"])
    with Session(engine) as session:
        own = _shift_visits(session, gul)
    taken = {s["decision_visit_id"] for r in blue_draft["routes"] for s in r["stops"]} & own
    assert taken
    assert any(i["kind"] == "lent" for i in gul_draft["issues"])
    assert any(i["kind"] == "borrowed" for i in blue_draft["issues"])
    gul_places = Counter(s["decision_visit_id"] for r in gul_draft["routes"] for s in r["stops"])
    gul_places.update(u["decision_visit_id"] for u in gul_draft["unassigned"])
    assert not set(gul_places) & taken
    assert all(gul_places[v] + (v in taken) >= 1 for v in own)

    def on_time_from_sick_call(plan: dict[str, Any]) -> set[int]:
        return {
            s["decision_visit_id"]
            for r in plan["routes"]
            for s in r["stops"]
            if dt.datetime.fromisoformat(s["planned_start"]) >= sick_call
            and dt.datetime.fromisoformat(s["planned_start"]) <= dt.datetime.fromisoformat(s["window_end"])
            and s["decision_visit_id"] not in own
        }

    assert len(on_time_from_sick_call(blue_draft)) >= len(on_time_from_sick_call(theirs))
    for plan in (gul_draft, blue_draft):
        assert client.post(f"/api/v1/plans/{plan['id']}/publish", headers=headers).status_code == 200
    clock.at(dt.time(11, 0), DAY)
    again = _run(client, headers, f"/api/v1/plans/{gul_draft['id']}/replan", {"from_time": "11:00"})
    later = client.get(f"/api/v1/plans/{again['result']['plan_id']}", headers=headers).json()
    planned = {s["decision_visit_id"] for r in later["routes"] for s in r["stops"]}
    assert taken.isdisjoint(planned | {u["decision_visit_id"] for u in later["unassigned"]})


def test_the_whole_shift_bound_is_above_what_the_teams_lay(
    demo: tuple[TestClient, dict[str, str]], engine: Engine, settings: Settings, clock: Clock
) -> None:
    """Gul has one carer left on the day shift (the others called in sick before it began), so blå takes
    in what gul has no room for. The pooled bound of the shift (every team's carers and visits in one
    problem, backend.planning.possible) counts each half of a double-staffed visit, as the simulator
    counts visits due, and is never below the visits the two plans start on time together."""
    client, headers = demo
    clock.at(dt.time(6, 0), DAY)
    with Session(engine) as session:
        gul, blue = sorted(t.id or 0 for t in session.exec(select(Team)))
        day_shift = [
            e.carer_id
            for e in session.exec(select(RotaEntry).where(RotaEntry.date == DAY))
            if e.shift_kind == ShiftKind.day
        ]
        gul_carers = sorted({c for c in day_shift if session.get(Carer, c).team_id == gul})  # type: ignore[union-attr]
        for carer_id in gul_carers[1:]:
            start, end = local_instant(DAY, dt.time(6)), local_instant(DAY + dt.timedelta(days=1), dt.time(0))
            session.add(Absence(carer_id=carer_id, start=start, end=end, note="meldt syk"))
        session.commit()
    plans = _planned(client, headers, {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [gul, blue]})
    assert any(i["kind"] == "borrowed" for p in plans for i in p["issues"])
    assert all(p["stats"]["check_feasible"] for p in plans), [p["stats"]["violations"] for p in plans]
    with Session(engine) as session:
        possible = shift_possible(session, day=DAY, shift_kind=ShiftKind.day, settings=settings)
        due = sum(
            2 if v.double_staffed else 1
            for team_id in (gul, blue)
            for v in visits_for(session, day=DAY, team_id=team_id)
            if shift_of(v) == ShiftKind.day
        )
    assert possible.visits == due
    assert sum(p["stats"]["on_time"] for p in plans) <= possible.on_time_max <= due
