"""Sending notices through real HTTP to a local fake gateway in LINK's and Sveve's formats, on SQLite and
PostgreSQL: accepted and delivered once; a gateway error retried with backoff; an answer that never came
(slow, dropped after accepting, unreadable) never sent again and settled by the delivery report or by the
validity end; a refused number failed with its reason; a sender dying mid-send never doubles an SMS."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.auth.service import Principal
from backend.common.enums import Role
from backend.common.localtime import local_instant
from backend.common.types import server_clock
from backend.notices.gateways.base import Gateway, OutgoingSms, RateLimiter
from backend.notices.gateways.http import LinkGateway, SveveGateway
from backend.notices.models import DelayReportCreate, Notice, NoticeMessage
from backend.notices.sender import _claim, recover, send_due
from backend.notices.service import request_delay_notices
from backend.recipients.models import NextOfKin, Recipient
from tests.backend.world import DAY, PASSWORD, World, auth, web_login
from tests.fake_gateway import FakeGatewayState, running_fake_gateway

AT = local_instant(DAY, dt.time(11, 0))


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[str, FakeGatewayState]]:
    with running_fake_gateway() as running:
        yield running


@pytest.fixture(autouse=True)
def _reset(fake: tuple[str, FakeGatewayState]) -> None:
    fake[1].mode, fake[1].received = "ok", []


def _gateway(kind: str, url: str, timeout: float = 1.0) -> Gateway:
    limiter = RateLimiter(1000)
    if kind == "link":
        return LinkGateway(
            url=f"{url}/link/sms/send",
            user="u",
            password="p",
            sender="Hjemmetj",
            platform_id="COMMON_API",
            platform_partner_id="42",
            gate_id="g1",
            timeout=timeout,
            limiter=limiter,
        )
    return SveveGateway(
        url=f"{url}/sveve/SMS/SendMessage",
        user="u",
        password="p",
        sender="Hjemmetj",
        timeout=timeout,
        limiter=limiter,
    )


def _clock(at: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: at


def _late_notice(client: TestClient, session: Session, world: World, route_id: int) -> list[NoticeMessage]:
    """Kari's 08:10 visit not started at 11:00: a delay notice to the recipient and her daughter."""
    kari = Principal(
        user_id=0, username="pleier", role=Role.carer, team_ids=frozenset(), carer_id=world.carer_a
    )
    data = DelayReportCreate(request_uuid=uuid.uuid4(), route_id=route_id, device_time=AT)
    report = request_delay_notices(
        session,
        principal=kari,
        data=data,
        settings=client.app.state.settings,
        now=AT,  # type: ignore[attr-defined]
    )
    assert report.outcome[0].notice == "created"
    return list(session.exec(select(NoticeMessage)))


def _route_id(client: TestClient, world: World) -> int:
    day = client.get("/api/v1/my/day", params={"date": DAY.isoformat()}, headers=auth(world, "carer")).json()
    return int(day["routes"][0]["route_id"])


def _statuses(session: Session) -> list[str]:
    session.expire_all()
    return sorted(m.status for m in session.exec(select(NoticeMessage)))


def _report(
    client: TestClient, kind: str, message: NoticeMessage, delivered: bool, secret: str = "test-secret"
) -> int:
    if kind == "link":
        body = {
            "id": message.provider_message_id,
            "refId": message.reference,
            "resultCode": 1001 if delivered else 1006,
        }
        return client.post(
            "/api/v1/notices/delivery-reports/link", params={"secret": secret}, json=body
        ).status_code
    params = {
        "secret": secret,
        "id": message.provider_message_id or "",
        "ref": message.reference,
        "status": "true" if delivered else "false",
        "number": message.phone.removeprefix("+"),
    }
    return client.get("/api/v1/notices/delivery-reports/sveve", params=params).status_code


@pytest.mark.parametrize("kind", ["link", "sveve"])
def test_accepted_then_delivered_exactly_once(
    kind: str, client: TestClient, world: World, session: Session, fake: tuple[str, FakeGatewayState]
) -> None:
    url, state = fake
    messages = _late_notice(client, session, world, _route_id(client, world))
    assert sorted(m.phone for m in messages) == ["+4741234567", "+4791234567"]
    assert send_due(session, _gateway(kind, url), clock=_clock(AT)) == 2
    assert _statuses(session) == ["accepted", "accepted"]
    assert sorted(r.phone for r in state.received) == ["+4741234567", "+4791234567"]
    assert all("08:10" not in r.text and "Ny forventet tid" in r.text for r in state.received)
    for message in session.exec(select(NoticeMessage)):
        assert _report(client, kind, message, delivered=True, secret="wrong") == 403
        assert _report(client, kind, message, delivered=True) == 200
        assert _report(client, kind, message, delivered=False) == 200  # a late, contradicting repeat
    assert _statuses(session) == ["delivered", "delivered"]
    assert send_due(session, _gateway(kind, url), clock=_clock(AT + dt.timedelta(minutes=5))) == 0
    assert max(state.per_reference().values()) == 1
    notice = session.exec(select(Notice)).one()
    session.refresh(notice)
    assert notice.status == "delivered"
    listed = client.get(
        "/api/v1/notices", params={"date": DAY.isoformat()}, headers=auth(world, "coordinator")
    )
    assert listed.status_code == 200 and listed.json()[0]["messages"][0]["status"] == "delivered"


def test_gateway_error_is_retried_with_backoff(
    client: TestClient, world: World, session: Session, fake: tuple[str, FakeGatewayState]
) -> None:
    url, state = fake
    _late_notice(client, session, world, _route_id(client, world))
    state.mode = "http500"
    send_due(session, _gateway("link", url), clock=_clock(AT))
    session.expire_all()
    waiting = list(session.exec(select(NoticeMessage)))
    assert {m.status for m in waiting} == {"pending"} and {m.attempts for m in waiting} == {1}
    assert all(m.next_attempt_at == AT + dt.timedelta(seconds=5) for m in waiting)
    assert "HTTP 500" in waiting[0].status_reason and state.received == []
    state.mode = "ok"
    assert (
        send_due(session, _gateway("link", url), clock=_clock(AT + dt.timedelta(seconds=2))) == 0
    )  # not due
    assert send_due(session, _gateway("link", url), clock=_clock(AT + dt.timedelta(seconds=6))) == 2
    assert _statuses(session) == ["accepted", "accepted"] and len(state.received) == 2


@pytest.mark.parametrize("mode", ["slow", "accept_then_crash", "garbage"])
@pytest.mark.parametrize("kind", ["link", "sveve"])
def test_a_lost_answer_is_never_sent_again(
    kind: str,
    mode: str,
    client: TestClient,
    world: World,
    session: Session,
    fake: tuple[str, FakeGatewayState],
) -> None:
    url, state = fake
    _late_notice(client, session, world, _route_id(client, world))
    state.mode, state.slow_seconds = mode, 1.0
    send_due(session, _gateway(kind, url, timeout=0.4), clock=_clock(AT))
    assert _statuses(session) == ["uncertain", "uncertain"]
    state.mode = "ok"
    for minutes in (1, 5, 10):
        send_due(session, _gateway(kind, url), clock=_clock(AT + dt.timedelta(minutes=minutes)))
        recover(session, now=AT + dt.timedelta(minutes=minutes))
    assert _statuses(session) == ["uncertain", "uncertain"]
    if mode == "slow":
        import time

        time.sleep(0.8)  # the slow gateway takes the message after our timeout
    assert max(state.per_reference().values(), default=0) <= 1
    first, second = list(session.exec(select(NoticeMessage)))
    if state.per_reference().get(first.reference):
        assert _report(client, kind, first, delivered=True) == 200  # the report settles it
    recover(session, now=first.valid_until + dt.timedelta(seconds=1))
    session.expire_all()
    settled = {m.reference: m for m in session.exec(select(NoticeMessage))}
    if state.per_reference().get(first.reference):
        assert settled[first.reference].status == "delivered"
    assert settled[second.reference].status == "expired" and settled[second.reference].status_reason


def test_refused_number_fails_with_the_gateways_reason(
    client: TestClient, world: World, session: Session, fake: tuple[str, FakeGatewayState]
) -> None:
    url, state = fake
    _late_notice(client, session, world, _route_id(client, world))
    state.mode = "reject"
    send_due(session, _gateway("sveve", url), clock=_clock(AT))
    session.expire_all()
    failed = list(session.exec(select(NoticeMessage)))
    assert {m.status for m in failed} == {"failed"} and "Ugyldig mottaker" in failed[0].status_reason
    assert send_due(session, _gateway("sveve", url), clock=_clock(AT + dt.timedelta(minutes=10))) == 0


def test_sender_dying_between_sending_and_accepted_never_doubles_an_sms(
    client: TestClient, world: World, session: Session, fake: tuple[str, FakeGatewayState]
) -> None:
    url, state = fake
    _late_notice(client, session, world, _route_id(client, world))
    gateway = _gateway("link", url)
    claimed = _claim(session, AT)  # «sending» is committed ...
    assert claimed is not None
    gateway.send(
        OutgoingSms(claimed.reference, claimed.phone, claimed.text, 3600)
    )  # ... the gateway took it ...
    session.rollback()  # ... and the sender died before recording the answer
    session.expire_all()
    assert send_due(session, gateway, clock=_clock(AT + dt.timedelta(seconds=30))) == 1  # only the other one
    recover(session, now=AT + dt.timedelta(minutes=3))
    assert send_due(session, gateway, clock=_clock(AT + dt.timedelta(minutes=4))) == 0
    lost = session.exec(select(NoticeMessage).where(NoticeMessage.reference == claimed.reference)).one()
    assert lost.status == "uncertain"
    assert _report(client, "link", lost, delivered=True) == 200
    assert _statuses(session) == ["accepted", "delivered"] and max(state.per_reference().values()) == 1


def test_landline_or_missing_consent_is_marked_and_blocks_nothing(
    client: TestClient, world: World, session: Session, fake: tuple[str, FakeGatewayState]
) -> None:
    url, state = fake
    recipient = session.get(Recipient, world.recipient_a)
    assert recipient is not None
    recipient.phone = "+4722334455"  # a landline in Oslo
    session.add(recipient)
    kin = session.exec(select(NextOfKin).where(NextOfKin.recipient_id == world.recipient_a)).one()
    kin.notice_consent = True
    session.add(kin)
    session.commit()
    messages = {m.phone: m for m in _late_notice(client, session, world, _route_id(client, world))}
    assert (
        messages["+4722334455"].status == "failed" and "mobilnummer" in messages["+4722334455"].status_reason
    )
    assert send_due(session, _gateway("link", url), clock=_clock(AT)) == 1
    assert [r.phone for r in state.received] == ["+4741234567"]


def test_forsinket_through_the_api_reaches_the_console_gateway(
    client: TestClient, world: World, session: Session
) -> None:
    """The app's own sender (in-process, console gateway) sends what the tap created, right after it."""
    body = {
        "request_uuid": str(uuid.uuid4()),
        "route_id": _route_id(client, world),
        "device_time": "2026-11-23T11:00:00+01:00",
    }
    with server_clock(lambda: AT):  # at 11:00 that day: not the wall clock, which may be in quiet hours
        response = client.post("/api/v1/my/delay-notices", json=body, headers=auth(world, "carer"))
        assert response.status_code == 201
        client.app.state.notice_sender.drain()  # type: ignore[attr-defined]
    outbox = client.app.state.settings.sms_outbox_file  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert sorted(line["to"] for line in lines) == ["+4741234567", "+4791234567"]
    assert _statuses(session) == ["accepted", "accepted"]
    assert all("Ny forventet tid" in line["text"] for line in lines)
    client.cookies.clear()
    web_login(client, "koord", PASSWORD)
    page = client.get("/konsoll", params={"date": DAY.isoformat()})
    assert page.status_code == 200 and "Varsler 23.11.2026" in page.text
    assert "+4741234567 (pårørende)" in page.text and "sendt" in page.text and "Ny forventet tid" in page.text


def test_a_republished_replan_notifies_moved_and_cancelled_visits_once(
    client: TestClient, world: World, session: Session
) -> None:
    """The re-plan's diff says Kari's visit now starts after its window (moved) and that another is no
    longer planned (cancelled): each recipient who consented gets one notice of that kind."""
    from backend.notices.detect import notify_replan
    from backend.planning.models import Plan, PlanChange, PlanDiff, Stop

    stop = session.get(Stop, world.published_stop)
    assert stop is not None
    base = session.get(Plan, world.published_plan)
    assert base is not None
    change = PlanChange(
        decision_visit_id=stop.decision_visit_id or 0,
        recipient_id=world.recipient_a,
        kinds=["moved", "retimed", "now_late"],
        old_carer_ids=[world.carer_a],
        new_carer_ids=[world.carer_a],
        window_start=stop.window_start,
        window_end=stop.window_end,
        old_start=stop.planned_start,
        new_start=stop.window_end + dt.timedelta(minutes=40),
    )

    def diff_of(*changes: PlanChange) -> dict[str, object]:
        return PlanDiff(base_plan_id=base.id or 0, changes=list(changes)).model_dump(mode="json")

    replanned = Plan(
        date=base.date,
        team_id=base.team_id,
        shift_kind=base.shift_kind,
        base_plan_id=base.id,
        diff=diff_of(change),
    )
    session.add(replanned)
    session.commit()
    noon = local_instant(DAY, dt.time(12, 0))
    assert notify_replan(session, plan=replanned, now=noon, settings=client.app.state.settings) == 1
    assert (
        notify_replan(session, plan=replanned, now=noon, settings=client.app.state.settings) == 0
    )  # publishing twice notifies once
    moved = session.exec(select(Notice)).one()
    assert moved.kind == "moved" and moved.source == "replan" and moved.lateness_minutes == 40
    texts = {m.text for m in session.exec(select(NoticeMessage))}
    assert texts and all(re.search(r"Besøket i dag kl\. \d\d:\d\d er flyttet", t) for t in texts)
    replanned.diff = diff_of(change.model_copy(update={"new_start": None}))
    session.add(replanned)
    session.commit()
    assert notify_replan(session, plan=replanned, now=noon, settings=client.app.state.settings) == 1
    assert {n.kind for n in session.exec(select(Notice))} == {"moved", "cancelled"}
    late_evening = local_instant(DAY, dt.time(22, 30))  # quiet hours, and the visit was in the morning
    another = Plan(
        date=base.date,
        team_id=base.team_id,
        shift_kind=base.shift_kind,
        base_plan_id=base.id,
        diff=diff_of(change),
    )
    session.add(another)
    session.commit()
    assert notify_replan(session, plan=another, now=late_evening, settings=client.app.state.settings) == 0


SENDER_SCRIPT = """
import sys, datetime as dt
from sqlmodel import Session
from backend.db import make_engine
from backend.settings import Settings
from backend.notices.gateways.base import RateLimiter
from backend.notices.gateways.http import LinkGateway
from backend.notices.sender import send_due
url, gateway_url, at = sys.argv[1], sys.argv[2], dt.datetime.fromisoformat(sys.argv[3])
engine = make_engine(Settings(database_url=url))
gateway = LinkGateway(url=gateway_url, user="u", password="p", sender="Hjemmetj", platform_id="C",
                      platform_partner_id="1", gate_id="", timeout=60, limiter=RateLimiter(100))
with Session(engine) as session:
    send_due(session, gateway, limit=1, clock=lambda: at)
"""


def test_killing_the_sender_process_mid_send_never_doubles_an_sms(
    client: TestClient, world: World, session: Session, settings: object, fake: tuple[str, FakeGatewayState]
) -> None:
    """A real worker process is killed (SIGKILL) after the gateway took the SMS but before it answered."""
    import subprocess
    import sys
    import time

    url, state = fake
    _late_notice(client, session, world, _route_id(client, world))
    state.mode, state.slow_seconds = "accept_then_crash", 10.0
    process = subprocess.Popen(
        [sys.executable, "-c", SENDER_SCRIPT, settings.database_url, f"{url}/link/sms/send", AT.isoformat()]  # type: ignore[attr-defined]
    )
    deadline = time.time() + 30
    while not state.received and time.time() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=10)
    assert len(state.received) == 1
    state.mode = "ok"
    session.expire_all()
    assert _statuses(session) == ["pending", "sending"]
    recover(session, now=AT + dt.timedelta(minutes=3))
    assert send_due(session, _gateway("link", url), clock=_clock(AT + dt.timedelta(minutes=3))) == 1
    assert _statuses(session) == ["accepted", "uncertain"]
    assert max(state.per_reference().values()) == 1 and len(state.received) == 2


def test_the_clock_tick_leaves_routes_nobody_follows_alone(
    client: TestClient, world: World, session: Session
) -> None:
    """The tick re-checks only today's routes with visit events today; the world's day is not today."""
    from backend.notices.dispatch import tick_routes

    assert tick_routes(session, client.app.state.settings) == 0  # type: ignore[attr-defined]
    assert session.exec(select(Notice)).all() == []
