"""A Hypothesis state machine over random sequences of new notices, sender rounds against a gateway that
fails in every way (error, lost answer, garbage, refusal), senders dying mid-send, duplicated and late
delivery reports, restarts and the clock moving on — on SQLite and PostgreSQL. It holds that the gateway
never gets the same message twice, no committed notice is lost, and when the clock has run past the
validity every message has reached a final state.

The sender "dies" in-process: it commits «sending», hands the message to the gateway and then abandons
its transaction, which leaves the database exactly as a killed worker process would (test_notice_sending.py
kills a real sender process with SIGKILL in that moment and checks the same)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlmodel import Session, delete, select

from backend.common.localtime import local_instant
from backend.notices.gateways.base import OutgoingSms, SendResult
from backend.notices.models import DelayReport, Notice, NoticeMessage
from backend.notices.outbox import create_notice
from backend.notices.sender import _claim, apply_delivery_report, recover, send_due
from backend.recipients.models import Recipient
from backend.settings import Settings as AppSettings
from tests.backend.world import DAY, World

START = local_instant(DAY, dt.time(10, 0))
SETTLED = {"accepted", "delivered", "failed", "expired"}


class ScriptedGateway:
    """What the gateway does with the next message; it remembers every message it took."""

    name = "scripted"

    def __init__(self) -> None:
        self.mode = "ok"
        self.taken: Counter[str] = Counter()
        self.ids = itertools.count(1)

    def send(self, sms: OutgoingSms) -> SendResult:
        if self.mode == "http500":
            return SendResult("retry", reason="HTTP 500")
        if self.mode == "reject":
            return SendResult("rejected", reason="ugyldig mottaker")
        self.taken[sms.reference] += 1
        if self.mode in ("lost_answer", "garbage"):
            return SendResult("uncertain", reason=self.mode)
        return SendResult("accepted", provider_message_id=f"p{next(self.ids)}")


class OutboxMachine(RuleBasedStateMachine):
    def __init__(self, session: Session, world: World, app_settings: AppSettings) -> None:
        super().__init__()
        self.session, self.world, self.app_settings = session, world, app_settings
        session.exec(delete(NoticeMessage))  # type: ignore[call-overload]
        session.exec(delete(Notice))  # type: ignore[call-overload]
        session.exec(delete(DelayReport))  # type: ignore[call-overload]
        session.commit()
        self.gateway = ScriptedGateway()
        self.now = START
        self.created = 0
        self.keys = itertools.count(1)

    def _clock(self) -> dt.datetime:
        return self.now

    @rule()
    def a_visit_becomes_late(self) -> None:
        recipient = self.session.get(Recipient, self.world.recipient_a)
        assert recipient is not None
        notice = create_notice(
            self.session,
            settings=self.app_settings,
            key=f"test/{next(self.keys)}:delay:1",
            stop_id=self.world.published_stop,
            recipient=recipient,
            kind="delay",
            revision=1,
            expected=self.now + dt.timedelta(minutes=30),
            lateness_minutes=30,
            source="eta",
            now=self.now,
        )
        self.session.commit()
        self.created += notice is not None

    @rule(mode=st.sampled_from(["ok", "ok", "http500", "lost_answer", "garbage", "reject"]))
    def sender_round(self, mode: str) -> None:
        self.gateway.mode = mode
        send_due(self.session, self.gateway, limit=3, clock=self._clock)

    @rule()
    def sender_dies_mid_send(self) -> None:
        claimed = _claim(self.session, self.now)
        if claimed is not None:
            self.gateway.mode = "ok"
            self.gateway.send(OutgoingSms(claimed.reference, claimed.phone, claimed.text, 3600))
            self.session.rollback()
            self.session.expire_all()

    @rule(minutes=st.integers(0, 40))
    def clock_moves(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)

    @rule()
    def restart(self) -> None:
        recover(self.session, now=self.now)

    @rule(data=st.data(), delivered=st.booleans(), repeats=st.integers(1, 3))
    def delivery_report(self, data: st.DataObject, delivered: bool, repeats: int) -> None:
        taken = sorted(self.gateway.taken)
        if not taken:
            return
        reference = data.draw(st.sampled_from(taken))
        for _ in range(repeats):
            apply_delivery_report(
                self.session,
                reference=reference,
                provider_message_id=None,
                delivered=delivered,
                reason="test",
            )

    @invariant()
    def never_twice_and_nothing_lost(self) -> None:
        assert all(count == 1 for count in self.gateway.taken.values()), self.gateway.taken
        self.session.expire_all()
        messages = list(self.session.exec(select(NoticeMessage)))
        assert len(messages) == 2 * self.created  # the recipient and her daughter, for every notice
        for message in messages:
            if message.status in ("accepted", "delivered") and message.provider_message_id:
                assert self.gateway.taken[message.reference] == 1

    def teardown(self) -> None:
        self.gateway.mode = "ok"
        for _ in range(2):
            self.now += dt.timedelta(hours=2)
            recover(self.session, now=self.now)
            send_due(self.session, self.gateway, clock=self._clock)
            recover(self.session, now=self.now + dt.timedelta(hours=2))
        self.session.expire_all()
        states = {m.status for m in self.session.exec(select(NoticeMessage))}
        assert states <= SETTLED, states
        assert all(count == 1 for count in self.gateway.taken.values())


def test_outbox_never_doubles_and_never_loses(client: TestClient, world: World, session: Session) -> None:
    run_state_machine_as_test(
        lambda: OutboxMachine(session, world, client.app.state.settings),  # type: ignore[attr-defined]
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
