"""Prometheus metrics (prometheus-client): request latency by route template (never by id, so no
recipient can be read off a label), and at each scrape the jobs and notices by status, the oldest unsent
SMS and the last planning durations, read from the database so every process and worker is counted."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend.common.enums import JobStatus
from backend.common.types import utcnow
from backend.jobs.models import JobRecord
from backend.notices.models import Notice
from backend.ops.health import oldest_unsent_seconds

PLANNING_JOBS = ("plan_day", "replan")


class DatabaseCollector(Collector):
    """Figures that live in the database, read when Prometheus asks (cheap aggregate queries)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = utcnow()
        with Session(self.engine) as session:
            jobs = GaugeMetricFamily("hjemmerute_jobs", "Jobs by kind and status", labels=["kind", "status"])
            for kind, status, count in session.exec(
                select(JobRecord.name, JobRecord.status, func.count()).group_by(
                    col(JobRecord.name), col(JobRecord.status)
                )
            ):
                jobs.add_metric([kind, JobStatus(status).value], count)
            yield jobs
            notices = GaugeMetricFamily("hjemmerute_notices", "Delay notices by status", labels=["status"])
            for status, count in session.exec(
                select(Notice.status, func.count()).group_by(col(Notice.status))
            ):
                notices.add_metric([status], count)
            yield notices
            yield GaugeMetricFamily(
                "hjemmerute_oldest_unsent_sms_seconds",
                "How long the oldest SMS due for sending has waited",
                value=oldest_unsent_seconds(session, now),
            )
            yield self._planning(session)

    def _planning(self, session: Session) -> GaugeMetricFamily:
        """The newest finished planning job of each kind: how long it took."""
        family = GaugeMetricFamily(
            "hjemmerute_last_planning_seconds", "Duration of the last finished planning job", labels=["kind"]
        )
        for kind in PLANNING_JOBS:
            last = session.exec(
                select(JobRecord)
                .where(JobRecord.name == kind, col(JobRecord.finished_at).is_not(None))
                .order_by(col(JobRecord.id).desc())
            ).first()
            if last and last.started_at and last.finished_at:
                family.add_metric([kind], (last.finished_at - last.started_at).total_seconds())
        return family


def _template(request: Request) -> str:
    """The route as written («/api/v1/recipients/{recipient_id}»): the matched route knows its path below
    the router it was included in, the request's own path gives the prefix above it."""
    route = request.scope.get("route")
    below = str(getattr(route, "path_format", None) or getattr(route, "path", None) or "")
    if not below:
        return "unmatched"
    try:
        rendered = below.format(**request.path_params)
    except (KeyError, IndexError, ValueError):
        return below
    full = request.url.path
    return full.removesuffix(rendered) + below if full.endswith(rendered) else below


def install_metrics(app: FastAPI, engine: Engine, *, token: str) -> None:
    """/metrics (text format), guarded by a bearer token when one is configured (HJEMMERUTE_METRICS_TOKEN)."""
    registry = CollectorRegistry()
    latency = Histogram(
        "hjemmerute_request_seconds",
        "Request latency by route template and status class",
        ["method", "route", "status"],
        registry=registry,
        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    )
    registry.register(DatabaseCollector(engine))

    @app.middleware("http")
    async def _time_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        latency.labels(request.method, _template(request), f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        if token and request.headers.get("authorization") != f"Bearer {token}":
            return Response("Krever metrikk-token.", status_code=401, media_type="text/plain")
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
