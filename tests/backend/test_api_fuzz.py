"""Schemathesis over the OpenAPI schema: no generated input, valid or not, may give a 500.

Every operation gets generated requests (Hypothesis strategies from the schema), each sent as
coordinator, carer and admin against a populated SQLite database, so input reaches the services and not
only the authorisation checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlmodel import Session, SQLModel

from backend.app import create_app
from backend.db import make_engine
from backend.jobs.runner import InProcessRunner
from backend.settings import Settings
from tests.backend.world import World, build_world

EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def fuzz_target(tmp_path: Path) -> Iterator[tuple[FastAPI, World]]:
    app_settings = Settings(database_url=f"sqlite:///{tmp_path / 'fuzz.db'}", job_backend="inprocess")
    engine = make_engine(app_settings)
    SQLModel.metadata.create_all(engine)
    app = create_app(app_settings, job_runner=InProcessRunner(engine, app_settings))
    with TestClient(app) as client, Session(engine) as session:
        yield app, build_world(session, client)


def test_no_input_causes_a_server_error(fuzz_target: tuple[FastAPI, World]) -> None:
    app, world = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    tested = []
    for operation in operations:
        if operation.path == "/api/v1/auth/logout":
            continue  # would revoke the tokens the other operations use

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            for role in ("coordinator", "carer", "admin"):
                case.call_and_validate(
                    headers={"Authorization": f"Bearer {world.tokens[role]}"}, checks=[not_a_server_error]
                )

        run()
        tested.append(operation.label)
    assert len(tested) >= 45
