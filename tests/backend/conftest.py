from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.app import create_app
from backend.common.localtime import local_instant
from backend.common.types import server_clock
from backend.jobs.runner import InProcessRunner
from backend.settings import Settings
from tests.backend.world import DAY, World, build_world


@dataclass
class Clock:
    """The server's clock in a test: set `now` to move it (never the wall clock)."""

    now: dt.datetime

    def read(self) -> dt.datetime:
        return self.now

    def at(self, clock: dt.time, day: dt.date = DAY) -> None:
        self.now = local_instant(day, clock)


@pytest.fixture
def clock() -> Iterator[Clock]:
    """07:00 on the test world's day (a Monday) until the test moves it."""
    fixed = Clock(local_instant(DAY, dt.time(7, 0)))
    with server_clock(fixed.read):
        yield fixed


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """The app on a fresh database (tables from the models; migrations are tested on their own)."""
    app = create_app(settings, job_runner=InProcessRunner(engine, settings))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def session(client: TestClient) -> Iterator[Session]:
    with Session(client.app.state.engine) as db_session:  # type: ignore[attr-defined]
        yield db_session


@pytest.fixture
def world(session: Session, client: TestClient) -> World:
    return build_world(session, client)
