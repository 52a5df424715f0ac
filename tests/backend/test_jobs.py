"""The same job function runs through the in-process runner and through procrastinate workers."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.common.enums import JobStatus
from backend.jobs.models import JobRecord
from backend.jobs.runner import (
    TASK_NAME,
    InProcessRunner,
    ProcrastinateRunner,
    enqueue,
    ensure_procrastinate_schema,
    libpq_url,
)
from backend.notices.dispatch import make_notice_sender
from backend.settings import Settings
from tests.backend.concurrency import at_once
from tests.backend.world import DAY, World, auth

EXPECTED_TEAM_A = {
    "team": "Team gul",
    "date": DAY.isoformat(),
    "visits": 6,  # two vedtak (V-A1, V-A2), three visits each
    "visit_minutes": 110,
    "double_staffed": 0,
    "needs_nurse": 0,
    "shifts": 2,
    "carers_available": 2,
    "carers_absent": 0,
    "shift_minutes": 900,
}


def test_in_process_runner_through_the_api(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/jobs/prepare-day",
        json={"date": DAY.isoformat(), "team_id": world.team_a},
        headers=auth(world, "coordinator"),
    )
    assert response.status_code == 202 and response.json()["status"] == "queued"
    runner = client.app.state.job_runner  # type: ignore[attr-defined]
    assert isinstance(runner, InProcessRunner)
    runner.wait_idle()
    job = client.get(f"/api/v1/jobs/{response.json()['id']}", headers=auth(world, "coordinator")).json()
    assert job["status"] == "done" and job["backend"] == "inprocess"
    assert job["result"] == EXPECTED_TEAM_A


def test_a_failing_job_is_stored_as_failed_with_its_reason(
    client: TestClient, world: World, engine: Engine
) -> None:
    runner = InProcessRunner(engine, client.app.state.settings)  # type: ignore[attr-defined]
    with Session(engine) as session:
        record = enqueue(
            session, runner, name="prepare_day", args={"date": "2026-11-23", "team_id": 999}, created_by=None
        )
    runner.wait_idle()
    with Session(engine) as session:
        stored = session.get(JobRecord, record.id)
        assert stored is not None
        assert stored.status == JobStatus.failed and stored.error == "Team 999 finnes ikke."


def test_procrastinate_worker_runs_the_same_job(
    client: TestClient, world: World, settings: Settings, engine: Engine
) -> None:
    """On PostgreSQL the job is deferred to procrastinate and a worker (here run until idle) executes it."""
    if not settings.is_postgres:
        pytest.skip("procrastinate runs on PostgreSQL only; the SQLite variant is the in-process test")
    ensure_procrastinate_schema(settings)
    ensure_procrastinate_schema(settings)  # idempotent on restart
    runner = ProcrastinateRunner(settings, engine)
    with Session(engine) as session:
        record = enqueue(
            session,
            runner,
            name="prepare_day",
            args={"date": DAY.isoformat(), "team_id": world.team_a},
            created_by=None,
        )
        assert record.status == JobStatus.queued and record.backend == "procrastinate"
    runner.run_until_idle()
    with Session(engine) as session:
        stored = session.get(JobRecord, record.id)
        assert stored is not None and stored.status == JobStatus.done
        assert stored.result == EXPECTED_TEAM_A
        assert stored.finished_at is not None and stored.finished_at >= stored.created_at
        assert stored.finished_at - stored.created_at < dt.timedelta(minutes=5)


def test_server_processes_starting_together_set_up_procrastinate_once(settings: Settings) -> None:
    """`serve --workers 2` once crashed one process: both created procrastinate's schema at the same time.
    Four threads at once now leave one schema and no error (an advisory lock)."""
    if not settings.is_postgres:
        pytest.skip("procrastinate runs on PostgreSQL only")
    at_once(4, lambda _: ensure_procrastinate_schema(settings))  # any thread's error is raised here


def test_requests_deferring_at_once_share_one_open_procrastinate_app(
    settings: Settings, engine: Engine
) -> None:
    """Under the load benchmark a check-in answered 500: each request opened and closed the one shared
    procrastinate app around its defer, so one request closed the pool another was deferring through. Eight
    threads now submit jobs and kick the SMS sender at once, without an error, and every job is queued."""
    if not settings.is_postgres:
        pytest.skip("procrastinate runs on PostgreSQL only")
    ensure_procrastinate_schema(settings)
    runner = ProcrastinateRunner(settings, engine)
    sender = make_notice_sender(settings, engine, runner)

    def defer(index: int) -> None:
        for n in range(5):
            runner.submit(1000 * index + n)
            sender.kick()

    try:
        at_once(8, defer)
        with psycopg.connect(libpq_url(settings.database_url)) as conn:
            queued = conn.execute(
                "select count(*) from procrastinate_jobs where task_name = %s", (TASK_NAME,)
            ).fetchone()
        assert queued is not None and queued[0] == 40
    finally:
        runner.close()
