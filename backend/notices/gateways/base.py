"""One interface for every SMS gateway. The answer says what is known about the message afterwards:

accepted   the gateway took it (with its message id);
retry      it certainly did not take it (no connection, HTTP 5xx/429 before acceptance): safe to send again;
rejected   it refused it for good (bad number, bad account): failed, with the gateway's reason;
uncertain  it may have taken it (answer lost, timed out after sending, or unreadable): never sent again;
           the delivery report carrying our reference settles it, or the validity period ends it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal, Protocol

Outcome = Literal["accepted", "retry", "rejected", "uncertain"]


@dataclass(frozen=True)
class OutgoingSms:
    reference: str
    phone: str  # E.164
    text: str
    valid_seconds: int


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_message_id: str | None = None
    reason: str = ""


class Gateway(Protocol):
    name: str

    def send(self, sms: OutgoingSms) -> SendResult: ...


class RateLimiter:
    """At most `per_second` sends per gateway account from this process (token spacing)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            delay = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if delay > 0:
            time.sleep(delay)
