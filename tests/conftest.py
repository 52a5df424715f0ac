"""Shared fixtures: every database test runs against SQLite and PostgreSQL.

PostgreSQL comes from HJEMMERUTE_TEST_POSTGRES_URL (default: the CI server at 127.0.0.1:5432, db test).
Locally an unreachable server skips those tests; under CI=true it is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import backend.models  # noqa: F401  (registers every table)
from backend.db import normalise_url
from backend.settings import Settings

POSTGRES_URL = os.environ.get("HJEMMERUTE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def reset_postgres(url: str) -> None:
    """A clean public schema: drops our tables and procrastinate's."""
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    problem = _postgres_reachable()
    if problem is not None:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable: {problem}"
        if IN_CI:
            pytest.fail(message + " (CI must test PostgreSQL)")
        pytest.skip(message)
    reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """No road network is imported unless a test imports one (planning jobs then fail with that message)."""
    return Settings(
        database_url=db_url,
        job_backend="inprocess",
        token_ttl_hours=2,
        network_dir=tmp_path / "networks",
        sms_outbox_file=tmp_path / "sms-outbox.jsonl",
        sms_dlr_secret="test-secret",
    )


@pytest.fixture(scope="session")
def demo_networks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's road networks (every mode), imported once for the session's planning tests."""
    from backend.planning.networks import import_demo_networks

    directory = tmp_path_factory.mktemp("networks")
    import_demo_networks(directory)
    return directory


@pytest.fixture
def planning_settings(db_url: str, demo_networks: Path, tmp_path: Path) -> Settings:
    """Settings for tests that plan on the demo networks, with short solver times."""
    return Settings(
        database_url=db_url,
        job_backend="inprocess",
        network_dir=demo_networks,
        plan_seconds_per_team=2,
        replan_seconds=1.5,
        plan_workers=2,
        sms_outbox_file=tmp_path / "sms-outbox.jsonl",
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    from backend.db import make_engine

    engine = make_engine(settings)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id with minimal cost in tests (production keeps argon2-cffi's defaults, tested separately)."""
    from argon2 import PasswordHasher

    from backend.auth import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = production
