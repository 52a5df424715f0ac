"""One job interface, two runners: in-process threads (SQLite default) and procrastinate (PostgreSQL).

A JobRecord row is written first and carries status and result, so the API shows progress the same
way whichever runner executes the job.
"""

from __future__ import annotations

import inspect
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

import procrastinate
import psycopg
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.common.enums import JobStatus
from backend.common.types import utcnow
from backend.errors import DomainError, InvalidInput
from backend.jobs.models import JobRecord
from backend.jobs.registry import JOBS, TASK_INSTALLERS
from backend.settings import Settings

log = logging.getLogger(__name__)
QUEUE = "hjemmerute"
NOTICE_QUEUE = "hjemmerute-notices"
TASK_NAME = "hjemmerute.run_job_record"


def execute_job(engine: Engine, record_id: int, settings: Settings) -> None:
    """Run one recorded job and store its outcome; an error becomes status failed with its message. A job
    that asks for `settings` gets the runner's (the process's own, never a global)."""
    with Session(engine) as session:
        record = session.get(JobRecord, record_id)
        if record is None:
            log.warning("job record %s vanished", record_id)
            return
        if record.status in (JobStatus.done, JobStatus.failed):
            return  # a redelivered job must not run twice
        record.status = JobStatus.running
        record.started_at = utcnow()
        session.add(record)
        session.commit()
        name, args = record.name, dict(record.args)
    func = JOBS[name]
    parameters = inspect.signature(func).parameters
    if "progress" in parameters:
        args["progress"] = _progress_writer(engine, record_id)
    if "settings" in parameters:
        args["settings"] = settings
    with Session(engine) as session:
        try:
            result = func(session, **args)
            status, error = JobStatus.done, None
        except DomainError as exc:
            session.rollback()
            result, status, error = None, JobStatus.failed, exc.message
        except Exception:  # logged in full for IT; the coordinator gets a message, not the internals
            session.rollback()
            log.error("job %s failed: %s", record_id, traceback.format_exc())
            result, status, error = None, JobStatus.failed, UNEXPECTED.format(record_id=record_id)
    with Session(engine) as session:
        record = session.get(JobRecord, record_id)
        assert record is not None
        record.status, record.result, record.error = status, result, error
        record.finished_at = utcnow()
        session.add(record)
        session.commit()


UNEXPECTED = (
    "Jobben stoppet på en uventet feil (jobb {record_id}). Feilen er logget; prøv igjen, og kontakt "
    "systemansvarlig om den kommer tilbake."
)


def _progress_writer(engine: Engine, record_id: int) -> Callable[[dict[str, Any]], None]:
    """Progress goes to the job record in its own transaction, so the console can poll it."""

    def write(progress: dict[str, Any]) -> None:
        with Session(engine) as session:
            record = session.get(JobRecord, record_id)
            if record is not None:
                record.progress = progress
                session.add(record)
                session.commit()

    return write


class JobRunner(Protocol):
    backend_name: str

    def submit(self, record_id: int) -> None: ...

    def close(self) -> None: ...


class InProcessRunner:
    """Runs jobs in a small thread pool inside the API process (the embedded default)."""

    backend_name = "inprocess"

    def __init__(self, engine: Engine, settings: Settings, workers: int = 2) -> None:
        self._engine, self._settings = engine, settings
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hjemmerute-job")
        self._futures: list[Future[None]] = []

    def submit(self, record_id: int) -> None:
        self._futures.append(self._pool.submit(execute_job, self._engine, record_id, self._settings))

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until every submitted job has finished (CLI and tests)."""
        for future in list(self._futures):
            future.result(timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def libpq_url(database_url: str) -> str:
    """procrastinate speaks libpq URLs, without SQLAlchemy's +driver suffix."""
    scheme, _, rest = database_url.partition("://")
    return "postgresql://" + rest if scheme.startswith("postgres") else database_url


def make_procrastinate_app(settings: Settings, engine: Engine) -> procrastinate.App:
    """The procrastinate app for API processes (to defer) and workers (to execute)."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_url(settings.database_url))
    )

    @app.task(name=TASK_NAME, queue=QUEUE, retry=False, pass_context=False)
    def run_job_record(record_id: int) -> None:
        execute_job(engine, record_id, settings)

    for install in TASK_INSTALLERS:
        install(app, settings, engine)
    return app


SCHEMA_LOCK = 0x68_72_73_63  # "hrsc": the advisory lock that serialises procrastinate's schema setup


def ensure_procrastinate_schema(settings: Settings) -> None:
    """Apply procrastinate's tables once (idempotent across restarts). Several server processes start at
    once (`serve --workers N`, more containers): a PostgreSQL advisory lock lets one create the schema while
    the others wait and then find it."""
    with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            exists = conn.execute("select to_regclass('procrastinate_jobs')").fetchone()
            if exists is None or exists[0] is None:
                app = procrastinate.App(
                    connector=procrastinate.PsycopgConnector(conninfo=libpq_url(settings.database_url))
                )
                with app.open():
                    app.schema_manager.apply_schema()
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


class ProcrastinateRunner:
    """Defers jobs to procrastinate workers on PostgreSQL; any number of workers on any machine."""

    backend_name = "procrastinate"

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.app = make_procrastinate_app(settings, engine)  # runs workers (run_until_idle, run_forever)
        self._deferring = make_procrastinate_app(settings, engine)
        self._deferring_open = False
        self._lock = threading.Lock()

    def deferring_app(self) -> procrastinate.App:
        """The app requests defer through, opened once per process and kept open (its connection pool is
        thread-safe). Opening and closing one shared app per request let a request close the pool another
        was deferring through: a 500 under load (benchmarks/load.py)."""
        with self._lock:
            if not self._deferring_open:
                self._deferring.open()
                self._deferring_open = True
        return self._deferring

    def submit(self, record_id: int) -> None:
        self.deferring_app().tasks[TASK_NAME].defer(record_id=record_id)

    def run_until_idle(self) -> None:
        """Work through the queue and return (tests and one-shot CLI use)."""
        self.app.run_worker(queues=[QUEUE, NOTICE_QUEUE], wait=False, install_signal_handlers=False)

    def run_forever(self, concurrency: int = 1) -> None:
        self.app.run_worker(queues=[QUEUE, NOTICE_QUEUE], wait=True, concurrency=concurrency)

    def close(self) -> None:
        with self._lock:
            if self._deferring_open:
                self._deferring.close()
                self._deferring_open = False


def make_runner(settings: Settings, engine: Engine) -> JobRunner:
    if settings.effective_job_backend == "procrastinate":
        if not settings.is_postgres:
            raise ValueError("procrastinate-jobber krever PostgreSQL (DATABASE_URL=postgresql://…)")
        ensure_procrastinate_schema(settings)
        return ProcrastinateRunner(settings, engine)
    return InProcessRunner(engine, settings)


def enqueue(
    session: Session, runner: JobRunner, *, name: str, args: dict[str, Any], created_by: int | None
) -> JobRecord:
    """Record a job and hand it to the runner; unknown job names are refused."""
    if name not in JOBS:
        raise InvalidInput(f"Ukjent jobb «{name}».", field="name")
    record = JobRecord(name=name, args=args, created_by=created_by, backend=runner.backend_name)
    session.add(record)
    session.commit()
    session.refresh(record)
    assert record.id is not None
    runner.submit(record.id)
    return record
