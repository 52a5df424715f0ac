"""The carer tablet's API on SQLite and PostgreSQL: the day with brief, progress and expected times;
events exactly once whatever order or how often they arrive; a visit moved by the coordinator while the
tablet was offline becomes a conflict, not a lost event; "Forsinket" notifies by the server's rules, once."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, select

from backend.audit.models import AccessLog
from backend.auth.service import Principal
from backend.common.enums import Role
from backend.common.localtime import local_instant
from backend.notices.models import DelayReportCreate, Notice, NoticeMessage
from backend.notices.service import request_delay_notices
from backend.planning.models import Stop
from backend.recipients.models import NextOfKin, Recipient
from backend.visits.models import VisitEvent
from tests.backend.conftest import Clock
from tests.backend.world import DAY, World, auth

DAY_Q = {"date": DAY.isoformat()}


def _event(stop_id: int, kind: str, at: str, event_id: str | None = None) -> dict[str, Any]:
    return {
        "event_uuid": event_id or str(uuid.uuid4()),
        "stop_id": stop_id,
        "kind": kind,
        "device_time": f"{DAY.isoformat()}T{at}:00+01:00",
    }


def _stop(day: dict[str, Any]) -> dict[str, Any]:
    return dict(day["routes"][0]["stops"][0])


def test_day_shows_own_route_with_brief_and_logs_the_read(
    client: TestClient, world: World, session: Session
) -> None:
    response = client.get("/api/v1/my/day", params=DAY_Q, headers=auth(world, "carer"))
    assert response.status_code == 200, response.text
    day = response.json()
    assert day["carer_id"] == world.carer_a and len(day["routes"]) == 1
    stop = _stop(day)
    assert stop["id"] == world.published_stop and stop["recipient_name"] == "Astrid Hansen"
    assert stop["tasks"] and stop["minutes"] > 0 and stop["visit_ref"].startswith(DAY.isoformat())
    assert stop["expected_start"] is not None and stop["status"] == "planned"
    assert "phone" not in stop and "external_id" not in stop  # the brief: tasks and access, no more
    logged = session.exec(select(AccessLog).where(AccessLog.action == "read day")).all()
    assert [row.recipient_id for row in logged] == [world.recipient_a]
    first = client.get("/api/v1/my/day/revision", params=DAY_Q, headers=auth(world, "carer"))
    assert first.json()["revision"] == day["revision"] and first.headers["ETag"]
    # every tablet polls this: unchanged, it is a 304 without a body
    again = client.get(
        "/api/v1/my/day/revision",
        params=DAY_Q,
        headers={**auth(world, "carer"), "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304 and again.content == b""


def test_events_arrive_out_of_order_and_twice_and_count_once(
    client: TestClient, world: World, session: Session, clock: Clock
) -> None:
    clock.at(dt.time(9, 0))
    carer = auth(world, "carer")
    check_out = _event(world.published_stop, "check_out", "08:40")
    check_in = _event(world.published_stop, "check_in", "08:12")
    first = client.post("/api/v1/visit-events", json=check_out, headers=carer)
    assert first.status_code == 201, first.text
    assert client.post("/api/v1/visit-events", json=check_in, headers=carer).status_code == 201
    again = client.post("/api/v1/visit-events", json=check_out, headers=carer)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert (
        again.json()["id"] == first.json()["id"]
        and again.json()["server_time"] == first.json()["server_time"]
    )
    stored = session.exec(select(VisitEvent).where(VisitEvent.stop_id == world.published_stop)).all()
    assert sorted(e.kind.value for e in stored) == ["check_in", "check_out"]
    stop = _stop(client.get("/api/v1/my/day", params=DAY_Q, headers=carer).json())
    assert stop["status"] == "done"
    assert dt.datetime.fromisoformat(stop["checked_in_at"]) == dt.datetime.fromisoformat(
        check_in["device_time"]
    )
    assert dt.datetime.fromisoformat(stop["expected_start"]) == dt.datetime.fromisoformat(
        check_in["device_time"]
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"event_uuid": "not-a-uuid", "kind": "check_in", "device_time": "2026-11-23T08:00:00+01:00"},
        {"event_uuid": str(uuid.uuid4()), "kind": "arrived", "device_time": "2026-11-23T08:00:00+01:00"},
        {"event_uuid": str(uuid.uuid4()), "kind": "check_in"},
        {"event_uuid": str(uuid.uuid4()), "kind": "check_in", "device_time": "2026-11-23T08:00:00"},
    ],
    ids=["bad uuid", "unknown kind", "no device time", "device time without zone"],
)
def test_malformed_events_are_422_and_store_nothing(
    client: TestClient, world: World, session: Session, payload: dict[str, Any]
) -> None:
    response = client.post(
        "/api/v1/visit-events",
        json={**payload, "stop_id": world.published_stop},
        headers=auth(world, "carer"),
    )
    assert response.status_code == 422
    assert session.exec(select(VisitEvent)).all() == []


@pytest.mark.parametrize(
    ("device_time", "why"),
    [
        ("2099-12-31T10:00:00+01:00", "fram i tid"),
        ("2000-01-01T08:00:00+01:00", "36 timer"),
        ("2026-11-23T19:40:00+01:00", "fram i tid"),  # the tablet's clock 10 hours fast
        ("2026-11-22T23:50:00+01:00", "besøkets dag"),  # within the offline spell, but the day before
    ],
)
def test_a_device_time_the_server_cannot_believe_is_refused_and_kpis_stay_sane(
    client: TestClient, world: World, session: Session, clock: Clock, device_time: str, why: str
) -> None:
    """A check-in dated 2099 or 2000 once turned a team's face-to-face share into 1,669,668 %: device time
    is bounded by the server's clock (offline hours are fine, years are not), and both times are kept."""
    clock.at(dt.time(9, 30))
    event = {**_event(world.published_stop, "check_in", "08:00"), "device_time": device_time}
    refused = client.post("/api/v1/visit-events", json=event, headers=auth(world, "carer"))
    assert refused.status_code == 422 and why in refused.json()["detail"], refused.text
    assert session.exec(select(VisitEvent)).all() == []
    clock.at(dt.time(18, 0))  # nine hours offline, then back in coverage
    late_sync = client.post(
        "/api/v1/visit-events",
        json=_event(world.published_stop, "check_in", "08:05"),
        headers=auth(world, "carer"),
    )
    assert late_sync.status_code == 201, late_sync.text
    stored = session.exec(select(VisitEvent)).one()
    assert stored.device_time == local_instant(DAY, dt.time(8, 5))
    assert stored.server_time == local_instant(DAY, dt.time(18, 0))


def test_event_for_a_visit_on_someone_elses_route_is_403(
    client: TestClient, world: World, session: Session
) -> None:
    response = client.post(
        "/api/v1/visit-events",
        json=_event(world.other_carer_stop, "check_in", "12:15"),
        headers=auth(world, "carer"),
    )
    assert response.status_code == 403 and "kjøreliste" in response.json()["detail"]
    assert session.exec(select(VisitEvent)).all() == []


def _republish(client: TestClient, world: World, routes: list[dict[str, Any]]) -> int:
    coordinator = auth(world, "coordinator")
    body = {"date": DAY.isoformat(), "team_id": world.team_a, "shift_kind": "day", "routes": routes}
    created = client.post("/api/v1/plans", json=body, headers=coordinator)
    assert created.status_code == 201, created.text
    plan_id = int(created.json()["id"])
    assert client.post(f"/api/v1/plans/{plan_id}/publish", headers=coordinator).status_code == 200
    return plan_id


def _visit_ids(client: TestClient, world: World) -> list[int]:
    plan = client.get(f"/api/v1/plans/{world.published_plan}", headers=auth(world, "coordinator")).json()
    return [int(s["decision_visit_id"]) for r in plan["routes"] for s in r["stops"]]


def test_offline_event_lands_on_the_republished_visit_or_becomes_a_conflict(
    client: TestClient, world: World, session: Session, clock: Clock
) -> None:
    clock.at(dt.time(9, 0))
    carer = auth(world, "carer")
    before = client.get("/api/v1/my/day/revision", params=DAY_Q, headers=carer).json()["revision"]
    mine, other = _visit_ids(client, world)
    # the coordinator re-times Kari's visit while her tablet is offline: her check-in still counts
    _republish(
        client,
        world,
        [
            {"carer_id": world.carer_a, "stops": [{"decision_visit_id": mine, "planned_start": "08:30"}]},
            {"carer_id": world.carer_a2, "stops": [{"decision_visit_id": other, "planned_start": "12:15"}]},
        ],
    )
    assert client.get("/api/v1/my/day/revision", params=DAY_Q, headers=carer).json()["revision"] != before
    kept = client.post(
        "/api/v1/visit-events", json=_event(world.published_stop, "check_in", "08:25"), headers=carer
    )
    assert kept.status_code == 201 and kept.json()["conflict"] == ""
    assert kept.json()["reported_stop_id"] == world.published_stop != kept.json()["stop_id"]
    day = client.get("/api/v1/my/day", params=DAY_Q, headers=carer).json()
    assert _stop(day)["status"] == "in_progress" and _stop(day)["id"] == kept.json()["stop_id"]
    # then moves it to Per: Kari's check-out from the old list is kept, marked as a conflict
    _republish(
        client,
        world,
        [
            {"carer_id": world.carer_a, "stops": []},
            {
                "carer_id": world.carer_a2,
                "stops": [
                    {"decision_visit_id": mine, "planned_start": "08:30"},
                    {"decision_visit_id": other, "planned_start": "12:15"},
                ],
            },
        ],
    )
    moved = client.post(
        "/api/v1/visit-events", json=_event(world.published_stop, "check_out", "08:55"), headers=carer
    )
    assert moved.status_code == 201 and "flyttet" in moved.json()["conflict"]
    assert len(session.exec(select(VisitEvent)).all()) == 2


def test_delay_request_is_answered_once_and_follows_the_rules(
    client: TestClient, world: World, session: Session
) -> None:
    carer = auth(world, "carer")
    body = {
        "request_uuid": str(uuid.uuid4()),
        "route_id": _route_id(client, world),
        "device_time": "2026-11-23T09:30:00+01:00",
    }
    first = client.post("/api/v1/my/delay-notices", json=body, headers=carer)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/my/delay-notices", json=body, headers=carer)
    assert (
        again.status_code == 200
        and again.json()["duplicate"] is True
        and again.json()["id"] == first.json()["id"]
    )
    assert again.json()["outcome"] == first.json()["outcome"]
    notices = session.exec(select(Notice)).all()
    assert len(notices) == sum(1 for o in first.json()["outcome"] if o["notice"] == "created") <= 1
    assert (
        client.post("/api/v1/my/delay-notices", json={**body, "route_id": "x"}, headers=carer).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/my/delay-notices",
            json={**body, "request_uuid": str(uuid.uuid4()), "route_id": 999999},
            headers=carer,
        ).status_code
        == 404
    )
    assert len(session.exec(select(Notice)).all()) == len(notices)


def _kari(world: World) -> Principal:
    """Kari, the world's carer on team gul, as the service layer sees her."""
    return Principal(
        user_id=0, username="pleier", role=Role.carer, team_ids=frozenset(), carer_id=world.carer_a
    )


def _route_id(client: TestClient, world: World) -> int:
    day = client.get("/api/v1/my/day", params=DAY_Q, headers=auth(world, "carer")).json()
    return int(day["routes"][0]["route_id"])


def test_delay_policy_threshold_update_step_and_consent(
    client: TestClient, world: World, session: Session, clock: Clock
) -> None:
    """Kari's visit (planned 08:10) is not started: at 09:00 local it is late by more than 15 min → a notice;
    asking again 5 min later → already noticed; 20 min later → an update (revision 2); without consent
    from the recipient or any next of kin → none."""
    route_id = _route_id(client, world)
    kari = _kari(world)

    def ask(at: dt.time) -> str:
        data = DelayReportCreate(
            request_uuid=uuid.uuid4(), route_id=route_id, device_time=local_instant(DAY, at)
        )
        report = request_delay_notices(
            session,
            principal=kari,
            data=data,
            settings=client.app.state.settings,  # type: ignore[attr-defined]
            now=local_instant(DAY, at),
        )
        return report.outcome[0].notice

    def preview(at: dt.time) -> list[str]:
        clock.at(at)
        answer = client.get(f"/api/v1/my/routes/{route_id}/delay-preview", headers=auth(world, "carer"))
        assert answer.status_code == 200, answer.text
        return [o["notice"] for o in answer.json()]

    assert ask(dt.time(7, 0)) == "not_late"
    assert preview(dt.time(11, 0)) == ["would_notify"]  # told before tapping, and nothing written
    assert session.exec(select(Notice)).all() == []
    assert ask(dt.time(11, 0)) == "created"
    assert ask(dt.time(11, 5)) == "already"
    said = client.get(f"/api/v1/my/routes/{route_id}/delay-preview", headers=auth(world, "carer")).json()
    assert said[0]["notice"] == "already" and dt.datetime.fromisoformat(
        said[0]["notified_at"]
    ) == local_instant(DAY, dt.time(11, 0))
    assert ask(dt.time(11, 30)) == "created"
    keys = sorted(n.key for n in session.exec(select(Notice)).all())
    assert [k.rsplit(":", 2)[1:] for k in keys] == [["delay", "1"], ["delay", "2"]]
    recipient = session.get(Recipient, world.recipient_a)
    assert recipient is not None
    recipient.notice_consent = False
    for kin in session.exec(select(NextOfKin).where(NextOfKin.recipient_id == world.recipient_a)):
        kin.notice_consent = False
        session.add(kin)
    session.add(recipient)
    session.commit()
    assert ask(dt.time(13, 0)) == "no_consent"
    day = client.get("/api/v1/my/day", params=DAY_Q, headers=auth(world, "carer")).json()
    assert _stop(day)["notified"] is True


def test_route_map_is_own_only(client: TestClient, world: World) -> None:
    route_id = _route_id(client, world)
    own = client.get(f"/api/v1/my/routes/{route_id}/map", headers=auth(world, "carer"))
    assert own.status_code == 200 and own.json()["route_id"] == route_id
    plan = client.get(f"/api/v1/plans/{world.published_plan}", headers=auth(world, "coordinator")).json()
    other = next(r["id"] for r in plan["routes"] if r["carer_id"] == world.carer_a2)
    assert client.get(f"/api/v1/my/routes/{other}/map", headers=auth(world, "carer")).status_code == 403


def test_the_coordinators_live_view_shows_check_ins_and_who_has_not_started(
    client: TestClient, world: World, session: Session, clock: Clock
) -> None:
    """08:30: Kari (carer_a) checked in at 08:25 to her 08:10 visit; at 12:40 her colleague, due at 12:15,
    has checked in nowhere: the live view says so, with the lateness the ETA expects. The read is logged."""
    clock.at(dt.time(8, 30))
    carer = auth(world, "carer")
    posted = client.post(
        "/api/v1/visit-events", json=_event(world.published_stop, "check_in", "08:25"), headers=carer
    )
    assert posted.status_code == 201, posted.text
    coordinator = auth(world, "coordinator")
    live = client.get(f"/api/v1/plans/{world.published_plan}/live", headers=coordinator).json()
    routes = {r["carer_id"]: r for r in live["routes"]}
    kari = routes[world.carer_a]
    assert kari["state"] == "on_visit"
    assert dt.datetime.fromisoformat(kari["stops"][0]["checked_in_at"]) == local_instant(DAY, dt.time(8, 25))
    assert routes[world.carer_a2]["state"] == "not_started" and not routes[world.carer_a2]["overdue_start"]

    clock.at(dt.time(12, 40))
    later = client.get(f"/api/v1/plans/{world.published_plan}/live", headers=coordinator).json()
    colleague = next(r for r in later["routes"] if r["carer_id"] == world.carer_a2)
    assert colleague["overdue_start"] and colleague["state"] == "not_started"
    expected = dt.datetime.fromisoformat(colleague["stops"][0]["expected_start"])
    assert expected >= local_instant(DAY, dt.time(12, 40))
    window_end = dt.datetime.fromisoformat(colleague["stops"][0]["window_end"])
    assert colleague["expected_lateness_minutes"] == max(
        0, int((expected - window_end).total_seconds() // 60)
    )
    logged = session.exec(select(AccessLog).where(AccessLog.action == "read live plan")).all()
    assert {row.recipient_id for row in logged} == {world.recipient_a}
    assert client.get(f"/api/v1/plans/{world.published_plan}/live", headers=carer).status_code == 403


def _not_done(stop_id: int, reason: str, at: str, note: str = "") -> dict[str, Any]:
    return {**_event(stop_id, "cancel", at), "reason": reason, "note": note}


def test_not_home_reaches_the_coordinator_at_once_with_the_next_of_kin(
    client: TestClient, world: World, session: Session, clock: Clock
) -> None:
    """«Ikke hjemme» is a safety matter: the live view alerts with the next of kin's phone (coordinator
    only), the visit counts as not done with its reason, and «ikke utført» after a finished visit or
    without a reason is refused."""
    clock.at(dt.time(8, 20))
    carer, coordinator = auth(world, "carer"), auth(world, "coordinator")
    no_reason = client.post(
        "/api/v1/visit-events", json=_event(world.published_stop, "cancel", "08:15"), headers=carer
    )
    assert no_reason.status_code == 422 and "årsak" in no_reason.text
    other_without_note = client.post(
        "/api/v1/visit-events", json=_not_done(world.published_stop, "other", "08:15"), headers=carer
    )
    assert other_without_note.status_code == 422 and "merknad" in other_without_note.text
    home = client.post(
        "/api/v1/visit-events",
        json=_not_done(world.published_stop, "not_home", "08:15", "ringte på to ganger"),
        headers=carer,
    )
    assert home.status_code == 201, home.text
    live = client.get(f"/api/v1/plans/{world.published_plan}/live", headers=coordinator).json()
    [alert] = live["alerts"]
    assert alert["recipient_name"] == "Astrid Hansen" and alert["note"] == "ringte på to ganger"
    assert [k["phone"] for k in alert["next_of_kin"]] == ["+4741234567"]
    stop = next(s for r in live["routes"] for s in r["stops"] if s["stop_id"] == world.published_stop)
    assert stop["state"] == "cancelled" and stop["not_done_reason"] == "not_home"
    day = client.get("/api/v1/my/day", params=DAY_Q, headers=carer).json()
    assert _stop(day)["status"] == "cancelled" and "41234567" not in str(day)  # kin's phone: coordinator only
    twice = client.post(
        "/api/v1/visit-events", json=_not_done(world.published_stop, "hospital", "08:16"), headers=carer
    )
    assert twice.status_code == 409 and "allerede meldt" in twice.text


def test_undo_corrects_the_last_event_for_two_minutes_and_never_deletes(
    client: TestClient, world: World, session: Session, clock: Clock
) -> None:
    clock.at(dt.time(8, 12))
    carer = auth(world, "carer")
    check_in = _event(world.published_stop, "check_in", "08:12")
    assert client.post("/api/v1/visit-events", json=check_in, headers=carer).status_code == 201
    clock.at(dt.time(8, 13, 30))
    undo = {**_event(world.published_stop, "undo", "08:13"), "undoes": check_in["event_uuid"]}
    undone = client.post("/api/v1/visit-events", json=undo, headers=carer)
    assert undone.status_code == 201 and undone.json()["undoes"] == check_in["event_uuid"]
    assert _stop(client.get("/api/v1/my/day", params=DAY_Q, headers=carer).json())["status"] == "planned"
    assert len(session.exec(select(VisitEvent)).all()) == 2  # both kept
    again = {**_event(world.published_stop, "undo", "08:13"), "undoes": check_in["event_uuid"]}
    assert client.post("/api/v1/visit-events", json=again, headers=carer).status_code == 409
    # a second check-in, then an undo three minutes later: too late, told why
    second = _event(world.published_stop, "check_in", "08:14")
    clock.at(dt.time(8, 14))
    assert client.post("/api/v1/visit-events", json=second, headers=carer).status_code == 201
    clock.at(dt.time(8, 17))
    late = {**_event(world.published_stop, "undo", "08:17"), "undoes": second["event_uuid"]}
    refused = client.post("/api/v1/visit-events", json=late, headers=carer)
    assert refused.status_code == 409 and "to minuttene" in refused.json()["detail"]
    assert _stop(client.get("/api/v1/my/day", params=DAY_Q, headers=carer).json())["status"] == "in_progress"
    strangers = {**_event(world.published_stop, "undo", "08:17"), "undoes": str(uuid.uuid4())}
    assert client.post("/api/v1/visit-events", json=strangers, headers=carer).status_code == 404
    # what KPIs read (SQL) sees the same: the undone check-in at 08:12 is not the visit's start
    from backend.kpis.records import _progress

    progress = _progress(client.app.state.engine, ())  # type: ignore[attr-defined]
    assert progress[world.published_stop][0] == local_instant(DAY, dt.time(8, 14)).replace(tzinfo=None)


def test_two_late_visits_of_one_recipient_make_one_sms_naming_both(
    client: TestClient, world: World, session: Session, clock: Clock
) -> None:
    """Astrid's morning (08:00-09:00) and lunch (12:00-14:00) visits both on Kari's list, neither started at
    14:00: «Meld forsinkelse» sends each phone ONE message naming both agreed times (it once sent two
    identical «Besøket i dag» SMS in the same second); each visit keeps its own notice."""
    clock.at(dt.time(7, 0))
    morning, lunch = _visit_ids(client, world)
    _republish(
        client,
        world,
        [
            {
                "carer_id": world.carer_a,
                "stops": [
                    {"decision_visit_id": morning, "planned_start": "08:10"},
                    {"decision_visit_id": lunch, "planned_start": "12:15"},
                ],
            }
        ],
    )
    kari = _kari(world)
    at = local_instant(DAY, dt.time(14, 0))
    report = request_delay_notices(
        session,
        principal=kari,
        data=DelayReportCreate(request_uuid=uuid.uuid4(), route_id=_route_id(client, world), device_time=at),
        settings=client.app.state.settings,  # type: ignore[attr-defined]
        now=at,
    )
    assert [o.notice for o in report.outcome] == ["created", "created"]
    notices = session.exec(select(Notice).order_by(Notice.id)).all()
    assert [n.status for n in notices] == ["pending", "merged"]
    texts = [m.text for m in session.exec(select(NoticeMessage))]
    assert len(texts) == 2  # Astrid and her daughter, one SMS each
    assert all("kl. 08:00" in text and "kl. 12:00" in text and "Besøkene i dag" in text for text in texts)


def test_my_day_costs_the_same_queries_for_three_visits_or_thirty(
    client: TestClient, session: Session, world: World
) -> None:
    """Every tablet polls: /my/day must read the day in set-based queries, never one (or more) per visit."""
    headers = auth(world, "carer")
    template = session.get(Stop, world.published_stop)
    assert template is not None

    def statements() -> list[str]:
        counted: list[str] = []
        engine = client.app.state.engine  # type: ignore[attr-defined]

        def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            counted.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert (
                client.get("/api/v1/my/day", params={"date": DAY.isoformat()}, headers=headers).status_code
                == 200
            )
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return counted

    few = statements()
    for n in range(27):
        session.add(
            Stop(
                **template.model_dump(exclude={"id", "seq", "visit_key"}), seq=100 + n, visit_key=f"extra-{n}"
            )
        )
    session.commit()
    many = statements()
    grew = {q[:160]: n for q, n in Counter(many).items() if n > Counter(few)[q]}
    assert len(many) == len(few), grew
