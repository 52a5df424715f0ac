"""Running the service: liveness and readiness, Prometheus metrics, JSON logs with a request id."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from backend.admin.service import create_user
from backend.app import create_app
from backend.auth.models import UserCreate
from backend.auth.service import issue_token
from backend.cli import cli
from backend.common.enums import JobStatus, Role
from backend.common.types import utcnow
from backend.db import make_engine
from backend.jobs.models import JobRecord
from backend.jobs.runner import InProcessRunner, ensure_procrastinate_schema, libpq_url
from backend.migrations import upgrade_to_head, wait_for_schema
from backend.ops.health import readiness
from backend.ops.logs import REQUEST_ID, JsonFormatter
from backend.settings import Settings, get_settings
from backend.teams.models import Team
from tests.backend.world import World, auth
from tests.tcp_proxy import CuttableProxy


def _app(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, job_runner=InProcessRunner(make_engine(settings), settings)))


def test_ready_only_on_a_migrated_database_with_work_moving(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ops.db'}", job_backend="inprocess")
    upgrade_to_head(settings)
    with _app(settings) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert set(ready.json()["checks"]) == {"database", "migrations", "workers", "sms_outbox"}
        engine = client.app.state.engine  # type: ignore[attr-defined]
        with Session(engine) as session:  # a job nobody has picked up for half an hour
            session.add(
                JobRecord(
                    name="plan_day",
                    args={},
                    status=JobStatus.queued,
                    created_at=utcnow() - dt.timedelta(minutes=30),
                )
            )
            session.commit()
        stuck = client.get("/readyz")
        assert stuck.status_code == 503 and not stuck.json()["checks"]["workers"]["ok"]
        assert "eldste jobb i kø 30 min" in stuck.json()["checks"]["workers"]["detail"]


def test_unready_not_failing_when_the_database_is_gone_or_not_migrated(client: TestClient) -> None:
    """The test database was made from the models, not migrated: unready, with why. A PostgreSQL that does
    not answer: unready (503), never a 500, and the process stays live."""
    not_migrated = client.get("/readyz")
    assert (
        not_migrated.status_code == 503
        and "ikke migrert" in not_migrated.json()["checks"]["migrations"]["detail"]
    )
    gone = Settings(database_url="postgresql://postgres@127.0.0.1:1/none", job_backend="inprocess")
    with _app(gone) as down:
        answer = down.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["checks"] == {
            "database": {"ok": False, "detail": answer.json()["checks"]["database"]["detail"]}
        }
        assert down.get("/healthz").status_code == 200


def test_metrics_by_route_template_never_by_id(client: TestClient, world: World) -> None:
    assert (
        client.get(f"/api/v1/recipients/{world.recipient_a}", headers=auth(world, "coordinator")).status_code
        == 200
    )
    text = client.get("/metrics").text
    assert 'route="/api/v1/recipients/{recipient_id}"' in text
    assert f'/api/v1/recipients/{world.recipient_a}"' not in text
    assert 'hjemmerute_jobs{kind="prepare_day",status="queued"}' in text
    assert "hjemmerute_oldest_unsent_sms_seconds" in text and "Astrid" not in text


def test_metrics_can_require_a_token(settings: Settings, engine: Engine) -> None:
    guarded = settings.model_copy(update={"metrics_token": "prom-hemmelig"})
    with TestClient(create_app(guarded, job_runner=InProcessRunner(engine, guarded))) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer prom-hemmelig"}).status_code == 200


def test_every_response_has_a_request_id_and_logs_are_json_without_phone_numbers(client: TestClient) -> None:
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 16
    assert (
        client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"}).headers["X-Request-ID"]
        == "lb-1234abcd"
    )
    assert client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"] != "<script>"
    token = REQUEST_ID.set("req-42")
    try:
        record = logging.LogRecord(
            "backend", logging.ERROR, __file__, 1, "SMS til %s feilet", ("+47 912 34 567",), None
        )
        line = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["request_id"] == "req-42" and line["level"] == "ERROR"
    assert "912" not in line["message"] and "[telefon]" in line["message"]


def test_an_online_sqlite_backup_starts_as_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`hjemmerute backup FILE` copies a live SQLite database consistently; the app starts on the copy and
    is ready (migrated schema, the data there); an existing file is never overwritten."""
    live = tmp_path / "live.db"
    settings = Settings(database_url=f"sqlite:///{live}", job_backend="inprocess")
    upgrade_to_head(settings)
    with _app(settings) as client, Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        session.add(Team(name="Team natt", base_address="Base", base_lat=59.7, base_lon=10.2))
        session.commit()
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
        get_settings.cache_clear()
        try:
            copy = tmp_path / "kopi" / "backup.db"
            made = CliRunner().invoke(cli, ["backup", str(copy)])
            assert made.exit_code == 0, made.output
            again = CliRunner().invoke(cli, ["backup", str(copy)])
            assert again.exit_code == 1 and "overskrives aldri" in again.output
        finally:
            get_settings.cache_clear()
    restored = Settings(database_url=f"sqlite:///{copy}", job_backend="inprocess")
    with _app(restored) as client:
        assert client.get("/readyz").status_code == 200
        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            assert session.exec(select(Team.name)).all() == ["Team natt"]


def test_a_postgresql_dump_restores_into_a_fresh_database_and_the_app_starts(
    db_url: str, tmp_path: Path
) -> None:
    """The documented procedure (docs/operations.md): pg_dump --format=custom, pg_restore into a new
    database, the app ready on it with the data there."""
    if not db_url.startswith("postgresql"):
        pytest.skip("the SQLite procedure is `hjemmerute backup` (test above)")
    source = Settings(database_url=db_url, job_backend="inprocess")
    upgrade_to_head(source)
    with _app(source) as client, Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        session.add(Team(name="Team natt", base_address="Base", base_lat=59.7, base_lon=10.2))
        session.commit()
    dump = tmp_path / "hjemmerute.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", db_url], check=True, timeout=120)
    fresh = db_url.rsplit("/", 1)[0] + "/hjemmerute_restore_test"
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS hjemmerute_restore_test")
        admin.execute("CREATE DATABASE hjemmerute_restore_test")
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={fresh}", str(dump)], check=True, timeout=120)
        restored = Settings(database_url=fresh, job_backend="inprocess")
        with _app(restored) as client:
            assert client.get("/readyz").status_code == 200, client.get("/readyz").text
            with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
                assert session.exec(select(Team.name)).all() == ["Team natt"]
            client.app.state.engine.dispose()  # type: ignore[attr-defined]
    finally:
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS hjemmerute_restore_test WITH (FORCE)")


def test_postgres_stopped_then_back_answers_503_then_ready(settings: Settings) -> None:
    """PostgreSQL goes away under a running app (a proxy in front of it is cut) and comes back on the same
    address: while it is gone /readyz and an ordinary request answer 503 with Retry-After (a wait, which the
    tablet retries; never a 500), and both are served again once it is back."""
    if not settings.is_postgres:
        pytest.skip("the SQLite database is a file in the process: it cannot be stopped under it")
    address = urlsplit(settings.database_url)
    proxy = CuttableProxy(address.hostname or "127.0.0.1", address.port or 5432)
    proxy.start()
    proxied = settings.model_copy(
        update={
            "database_url": settings.database_url.replace(
                address.netloc.split("@")[-1], f"127.0.0.1:{proxy.port}"
            )
        }
    )
    upgrade_to_head(proxied)
    with _app(proxied) as client:
        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            admin = create_user(
                session,
                data=UserCreate(
                    username="drift", full_name="Drift", password="lang-nok-passord-1", role=Role.admin
                ),
            )
            token, _ = issue_token(session, user=admin, ttl_hours=1)
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            client.get("/readyz").status_code == 200
            and client.get("/api/v1/teams", headers=headers).status_code == 200
        )
        proxy.cut()
        unready = client.get("/readyz")
        gone = client.get("/api/v1/teams", headers=headers)
        assert unready.status_code == 503 and not unready.json()["checks"]["database"]["ok"]
        assert (
            gone.status_code == 503 and gone.headers["retry-after"] and "svarer ikke" in gone.json()["detail"]
        )
        assert client.get("/healthz").status_code == 200
        proxy.start()
        assert client.get("/readyz").status_code == 200
        assert client.get("/api/v1/teams", headers=headers).status_code == 200
    proxy.cut()


def test_ready_needs_a_live_worker_when_jobs_run_on_procrastinate(settings: Settings) -> None:
    """On PostgreSQL plans and SMS are worked by procrastinate workers: with none alive (no heartbeat in two
    minutes) the API is unready, naming why; a worker's heartbeat makes it ready. A worker started before the
    migrations waits for them (the CLI gives up with a message when they never come)."""
    if not settings.is_postgres:
        pytest.skip("procrastinate workers run on PostgreSQL only")
    assert not wait_for_schema(settings, timeout_s=0.5, poll_s=0.1)  # nothing migrated yet
    upgrade_to_head(settings)
    assert wait_for_schema(settings, timeout_s=5)
    ensure_procrastinate_schema(settings)
    engine = make_engine(settings)
    without = {c.name: c for c in readiness(engine, workers_expected=True)}
    assert not without["worker_heartbeat"].ok and "ingen arbeider" in without["worker_heartbeat"].detail
    with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as conn:
        conn.execute(
            "insert into procrastinate_workers (last_heartbeat) values (now() - interval '5 minutes')"
        )
        assert not {c.name: c for c in readiness(engine, workers_expected=True)}[
            "worker_heartbeat"
        ].ok  # stale
        conn.execute("insert into procrastinate_workers (last_heartbeat) values (now())")  # as a worker beats
    assert all(c.ok for c in readiness(engine, workers_expected=True))
    engine.dispose()
