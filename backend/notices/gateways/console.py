"""The embedded default: records each SMS it would send as one JSON line, and accepts it."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from backend.common.types import utcnow
from backend.notices.gateways.base import OutgoingSms, SendResult

_LOCK = threading.Lock()


class ConsoleGateway:
    name = "console"

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, sms: OutgoingSms) -> SendResult:
        line = {"at": utcnow().isoformat(), "reference": sms.reference, "to": sms.phone, "text": sms.text}
        with _LOCK:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return SendResult("accepted", provider_message_id=f"console-{sms.reference}")
