from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.app import create_app
from backend.jobs.runner import InProcessRunner
from backend.settings import Settings
from tests.backend.world import World, build_world


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
