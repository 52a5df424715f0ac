"""A local fake SMS gateway speaking LINK Mobility's REST format (POST /link/sms/send, basic auth) and
Sveve's HTTP API (/sveve/SMS/SendMessage), started on 127.0.0.1 by tests and benchmarks. It records every
message it took (with arrival time), and can be told to fail: http500, slow (answers after a delay),
garbage (HTTP 200 with an unreadable body), accept_then_crash (records the message, then never answers
in time, as when the gateway or the line dies after taking it), reject (a permanent refusal)."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.local_server import serving


@dataclass
class Received:
    gateway: str
    reference: str
    phone: str
    text: str
    at: float
    message_id: str


@dataclass
class FakeGatewayState:
    mode: str = "ok"  # ok | http500 | slow | garbage | accept_then_crash | reject
    slow_seconds: float = 3.0
    received: list[Received] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, gateway: str, reference: str, phone: str, text: str) -> Received:
        with self.lock:
            item = Received(gateway, reference, phone, text, time.time(), str(next(self.ids)))
            self.received.append(item)
            return item

    def per_reference(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.received:
            counts[item.reference] = counts.get(item.reference, 0) + 1
        return counts


def fake_gateway_app(state: FakeGatewayState) -> FastAPI:
    app = FastAPI()

    async def _failure() -> Response | None:
        if state.mode == "http500":
            return JSONResponse({"error": "internal"}, status_code=500)
        if state.mode == "slow":
            await asyncio.sleep(state.slow_seconds)
        return None

    @app.post("/link/sms/send")
    async def link_send(request: Request) -> Response:
        failure = await _failure()
        if failure is not None:
            return failure
        if not request.headers.get("authorization", "").startswith("Basic "):
            return JSONResponse({"description": "unauthorized"}, status_code=401)
        body: dict[str, Any] = await request.json()
        if state.mode == "reject":
            return JSONResponse({"resultCode": 1102, "description": "Invalid destination"}, status_code=200)
        item = state.record("link", body["refId"], body["destination"], body["userData"])
        if state.mode == "accept_then_crash":
            await asyncio.sleep(state.slow_seconds * 3)  # took it, and the answer never comes in time
        if state.mode == "garbage":
            return Response("<html>oops</html>", media_type="text/html")
        return JSONResponse({"messageId": item.message_id, "resultCode": 1005, "description": "Queued"})

    @app.post("/sveve/SMS/SendMessage")
    async def sveve_send(request: Request) -> Response:
        failure = await _failure()
        if failure is not None:
            return failure
        form = await request.form()
        if state.mode == "reject":
            return JSONResponse({"response": {"msgOkCount": 0, "fatalError": "Ugyldig mottaker"}})
        item = state.record("sveve", str(form["ref"]), "+" + str(form["to"]), str(form["msg"]))
        if state.mode == "accept_then_crash":
            await asyncio.sleep(state.slow_seconds * 3)  # took it, and the answer never comes in time
        if state.mode == "garbage":
            return Response("not json", media_type="text/plain")
        return JSONResponse({"response": {"msgOkCount": 1, "stdSMSCount": 1, "ids": [int(item.message_id)]}})

    return app


@contextmanager
def running_fake_gateway() -> Iterator[tuple[str, FakeGatewayState]]:
    """(base URL, state) of a fake gateway served by uvicorn on 127.0.0.1."""
    state = FakeGatewayState()
    with serving(fake_gateway_app(state)) as url:
        yield url, state
