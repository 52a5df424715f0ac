"""Who sees what: team scoping, carers' own routes only, managers without names, the access log."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.audit.models import AccessLog
from backend.auth.service import Principal
from backend.common.enums import Role
from backend.common.localtime import local_instant
from backend.planning.commands import report_sick
from backend.planning.models import Plan
from backend.rota.models import Absence
from tests.backend.concurrency import at_once
from tests.backend.conftest import Clock
from tests.backend.world import DAY, PASSWORD, World, auth


def test_coordinator_cannot_reach_another_teams_recipients_or_plans(client: TestClient, world: World) -> None:
    """Koordinator A is responsible for team A only."""
    headers = auth(world, "coordinator")
    assert client.get(f"/api/v1/recipients/{world.recipient_b}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/plans/{world.draft_plan}", headers=headers).status_code == 403
    listed = client.get("/api/v1/recipients", headers=headers).json()
    assert {r["id"] for r in listed} == {world.recipient_a}
    moved = client.patch(
        f"/api/v1/recipients/{world.recipient_a}", headers=headers, json={"team_id": world.team_b}
    )
    assert moved.status_code == 403


def test_carer_sees_only_own_published_route(client: TestClient, world: World) -> None:
    """Kari sees her one stop with address and tasks; not her colleague's stop, not drafts."""
    routes = client.get(
        "/api/v1/my/routes", params={"date": DAY.isoformat()}, headers=auth(world, "carer")
    ).json()
    stops = [s for r in routes for s in r["stops"]]
    assert [s["id"] for s in stops] == [world.published_stop]
    assert stops[0]["tasks"] == ["morgenstell"]
    assert stops[0]["status"] == "planned"
    other = client.post(
        "/api/v1/visit-events",
        headers=auth(world, "carer"),
        json={
            "event_uuid": str(uuid.uuid4()),
            "stop_id": world.other_carer_stop,
            "kind": "check_in",
            "device_time": "2026-11-23T12:20:00+01:00",
        },
    )
    assert other.status_code == 403


def test_visit_event_is_recorded_once_per_uuid(client: TestClient, world: World, clock: Clock) -> None:
    """A tablet that resends after lost coverage gets the original answer, not a second event."""
    clock.at(dt.time(8, 30))
    body = {
        "event_uuid": str(uuid.uuid4()),
        "stop_id": world.published_stop,
        "kind": "check_in",
        "device_time": "2026-11-23T08:12:00+01:00",
    }
    first = client.post("/api/v1/visit-events", headers=auth(world, "carer"), json=body)
    again = client.post("/api/v1/visit-events", headers=auth(world, "carer"), json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["duplicate"] is True
    routes = client.get(
        "/api/v1/my/routes", params={"date": DAY.isoformat()}, headers=auth(world, "carer")
    ).json()
    assert routes[0]["stops"][0]["status"] == "in_progress"


def test_manager_gets_aggregates_without_names(client: TestClient, world: World) -> None:
    stats = client.get(
        "/api/v1/stats/teams", params={"week": "2026-W48"}, headers=auth(world, "manager")
    ).json()
    by_team = {row["team_id"]: row for row in stats}
    # Team A: one recipient with 3 visits a day (20 + 15 + 20 min) and two extra vedtak copies (V-A2).
    assert by_team[world.team_a]["planned_visits"] == 7 * 3 * 2
    assert by_team[world.team_a]["allocated_hours"] == round(7 * 2 * 55 / 60, 2)
    # Two day shifts 07:30-15:00 less a 30 min break, one evening shift 15:00-22:30 and Per's Tuesday day
    # shift without a break (his sick leave covers it; rota hours are the rota's).
    assert by_team[world.team_a]["rota_hours"] == 2 * (7.5 - 0.5) + 7.5 + 7.5
    text = str(stats)
    for name in ("Astrid", "Bjørn", "Kari", "Per Olsen", "Mannerheimintie"):
        assert name not in text


def test_every_read_of_recipient_data_is_logged(client: TestClient, world: World, session: Session) -> None:
    """Coordinator reads and the carer's route read each leave a row naming user, role and recipient."""
    client.get(f"/api/v1/recipients/{world.recipient_a}", headers=auth(world, "coordinator"))
    client.get(f"/api/v1/decisions/{world.decision_a}", headers=auth(world, "coordinator"))
    client.get("/api/v1/my/routes", params={"date": DAY.isoformat()}, headers=auth(world, "carer"))
    rows = session.exec(select(AccessLog).order_by(AccessLog.id)).all()
    seen = [(r.username, r.role, r.recipient_id, r.action) for r in rows]
    assert ("koord", "coordinator", world.recipient_a, "read") in seen
    assert ("koord", "coordinator", world.recipient_a, "read decision") in seen
    assert ("pleier", "carer", world.recipient_a, "read route") in seen
    admin_view = client.get(
        "/api/v1/access-log", params={"recipient_id": world.recipient_a}, headers=auth(world, "admin")
    ).json()
    assert len(admin_view) == 3 and all(r["recipient_id"] == world.recipient_a for r in admin_view)


def test_expired_or_revoked_tokens_are_refused(client: TestClient, world: World) -> None:
    headers = auth(world, "coordinator")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    refused = client.get("/api/v1/auth/me", headers=headers)
    assert refused.status_code == 401 and "Logg inn" in refused.json()["detail"]
    wrong = client.post("/api/v1/auth/token", data={"username": "koord", "password": "feil-passord"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "Feil brukernavn eller passord."


def test_a_reset_a_deactivation_or_a_carer_leaving_ends_old_sessions(
    client: TestClient, world: World
) -> None:
    """An admin's password reset, deactivate → reactivate, and a coordinator deactivating a carer: tokens
    issued before stop working at once (none come back), and the departed carer cannot log in again."""
    coordinator, carer, admin = (auth(world, role) for role in ("coordinator", "carer", "admin"))
    me = client.get("/api/v1/auth/me", headers=coordinator).json()
    assert (
        client.patch(
            f"/api/v1/users/{me['id']}", json={"password": "et-nytt-langt-passord"}, headers=admin
        ).status_code
        == 200
    )
    assert client.get("/api/v1/auth/me", headers=coordinator).status_code == 401

    fresh = client.post("/api/v1/auth/token", data={"username": "koord", "password": "et-nytt-langt-passord"})
    again = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert client.patch(f"/api/v1/users/{me['id']}", json={"active": False}, headers=admin).status_code == 200
    assert client.patch(f"/api/v1/users/{me['id']}", json={"active": True}, headers=admin).status_code == 200
    assert client.get("/api/v1/auth/me", headers=again).status_code == 401  # reactivation brings none back

    fresh = client.post("/api/v1/auth/token", data={"username": "koord", "password": "et-nytt-langt-passord"})
    coordinator = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert client.get("/api/v1/my/day", params={"date": DAY.isoformat()}, headers=carer).status_code == 200
    assert client.delete(f"/api/v1/carers/{world.carer_a}", headers=coordinator).status_code == 200
    assert client.get("/api/v1/my/day", params={"date": DAY.isoformat()}, headers=carer).status_code == 401
    login = client.post("/api/v1/auth/token", data={"username": "pleier", "password": PASSWORD})
    assert login.status_code == 401


def test_another_teams_carer_cannot_be_put_in_a_teams_plan(client: TestClient, world: World) -> None:
    """Team blå's carer on team gul's hand-laid list would then read gul's recipients: refused, nothing stored."""
    coordinator = auth(world, "coordinator")
    before = client.get("/api/v1/plans", params={"date": DAY.isoformat()}, headers=coordinator).json()
    body = {
        "date": DAY.isoformat(),
        "team_id": world.team_a,
        "shift_kind": "day",
        "routes": [
            {
                "carer_id": world.carer_b,
                "stops": [{"decision_visit_id": world.visit_a, "planned_start": "08:10"}],
            }
        ],
    }
    refused = client.post("/api/v1/plans", json=body, headers=coordinator)
    assert refused.status_code == 422 and "hører ikke til teamet" in refused.json()["detail"]
    assert client.get("/api/v1/plans", params={"date": DAY.isoformat()}, headers=coordinator).json() == before


def test_a_primary_contact_comes_from_the_recipients_own_team(client: TestClient, world: World) -> None:
    """Team blå's carer as primary contact of a team gul recipient was accepted; now refused without the
    carer's name, and a move to another team must bring a primary contact from that team."""
    coordinator = auth(world, "coordinator")
    url = f"/api/v1/recipients/{world.recipient_a}"
    refused = client.patch(url, json={"primary_carer_id": world.carer_b}, headers=coordinator)
    assert refused.status_code == 422 and refused.json()["field"] == "primary_carer_id"
    assert "Liv Berg" not in refused.text
    assert client.patch(url, json={"primary_carer_id": world.carer_a}, headers=coordinator).status_code == 200
    new = {"name": "Ny Bruker", "address": "Y", "lat": 60.1, "lon": 24.9, "team_id": world.team_a}
    made = client.post(
        "/api/v1/recipients", json={**new, "primary_carer_id": world.carer_b}, headers=coordinator
    )
    assert made.status_code == 422
    assert client.get(url, headers=coordinator).json()["primary_carer_id"] == world.carer_a


def test_two_coordinators_reporting_the_same_sick_call_at_once_store_one_absence(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Two re-plans on one sick call, at once (real threads, own sessions): the database's uq_absence_same
    keeps one absence; the second call finds it registered and goes on."""
    coordinator = Principal(
        user_id=2, username="koord", role=Role.coordinator, team_ids=frozenset({world.team_a}), carer_id=None
    )
    from_instant = local_instant(DAY, dt.time(10, 0))

    def call(_: int) -> None:
        with Session(engine) as session:
            plan = session.get(Plan, world.published_plan)
            assert plan is not None
            report_sick(
                session, principal=coordinator, plan=plan, carer_id=world.carer_a, from_instant=from_instant
            )

    at_once(6, call)  # any thread's error is raised here
    with Session(engine) as session:
        stored = session.exec(select(Absence).where(Absence.carer_id == world.carer_a)).all()
        assert [(a.start, a.reason.value) for a in stored] == [(from_instant, "sick_leave")]
    again = {
        "carer_id": world.carer_a,
        "start": from_instant.isoformat(),
        "end": stored[0].end.isoformat(),
        "reason": "sick_leave",
    }
    duplicate = client.post("/api/v1/absences", json=again, headers=auth(world, "coordinator"))
    assert duplicate.status_code == 409 and "duplikat" in duplicate.json()["detail"]
