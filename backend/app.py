"""The FastAPI application factory: engine, job runner and routers built from Settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import swagger_ui_bundle
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

from backend.addresses.router import router as addresses_router
from backend.admin.router import router as admin_router
from backend.agreements.router import router as agreements_router
from backend.auth.router import router as auth_router
from backend.carers.router import router as carers_router
from backend.common.headers import install_security_headers
from backend.common.hooks import Hooks
from backend.common.redact import install_access_log_redaction
from backend.db import make_engine
from backend.decisions.router import router as decisions_router
from backend.errors import install_error_handlers
from backend.imports.router import router as imports_router
from backend.jobs.router import router as jobs_router
from backend.jobs.runner import JobRunner, make_runner
from backend.kpis.router import router as kpis_router
from backend.notices.dispatch import NoticeSender, make_notice_sender
from backend.notices.router import router as notices_router
from backend.notices.subscriptions import subscribe as subscribe_notices
from backend.ops.health import readiness
from backend.ops.logs import install_request_ids
from backend.ops.metrics import install_metrics
from backend.planning.router import router as planning_router
from backend.planning.stand_in_router import router as stand_in_router
from backend.recipients.router import router as recipients_router
from backend.rota.router import router as rota_router
from backend.settings import Settings, get_settings
from backend.stats.router import router as stats_router
from backend.tasks import register as register_tasks
from backend.teams.router import router as teams_router
from backend.visits.router import router as visits_router
from backend.visits.status import stops_with_progress
from backend.web.admin_pages import router as admin_pages_router
from backend.web.agreement_pages import router as agreement_pages_router
from backend.web.carer_pages import router as carer_pages_router
from backend.web.console import router as console_router
from backend.web.console import static_files as console_static
from backend.web.decision_pages import router as decision_pages_router
from backend.web.import_pages import router as import_pages_router
from backend.web.kpi_pages import router as kpi_pages_router
from backend.web.pwa import pwa_files
from backend.web.recipient_pages import router as recipient_pages_router
from backend.web.rota_pages import router as rota_pages_router
from backend.web.router import router as web_router
from backend.web.sso import install_sign_on
from backend.web.sso import router as sign_on_router
from backend.web.visit_plan_pages import router as visit_plan_pages_router
from maps.render import STATIC_URL_PREFIX, static_asset_dirs

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    for sub in (
        auth_router,
        admin_router,
        teams_router,
        carers_router,
        recipients_router,
        decisions_router,
        rota_router,
        planning_router,
        stand_in_router,
        imports_router,
        jobs_router,
        stats_router,
        addresses_router,
        visits_router,
        notices_router,
        kpis_router,
        agreements_router,
    ):
        router.include_router(sub)
    return router


def _serve_api_docs(app: FastAPI) -> None:
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="hjemmerute – API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )


def create_app(
    settings: Settings | None = None,
    *,
    job_runner: JobRunner | None = None,
    notice_sender: Callable[[Engine], NoticeSender] | None = None,
) -> FastAPI:
    """Build the app; tests pass their own Settings (database) and, if they like, a runner and a sender."""
    settings = settings or get_settings()
    register_tasks()
    engine = make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.notice_sender.close()
        app.state.job_runner.close()
        engine.dispose()

    app = FastAPI(
        title="hjemmerute",
        version="0.1.0",
        description="Kjørelister og varsel om forsinkelse for hjemmetjenesten.",
        lifespan=lifespan,
        docs_url=None,  # served below from the package's own files: no CDN, works offline
        redoc_url="/redoc" if settings.api_docs else None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.hooks = subscribe_notices(Hooks(stop_progress=stops_with_progress), settings)
    app.state.job_runner = job_runner or make_runner(settings, engine)
    app.state.notice_sender = (
        notice_sender(engine) if notice_sender else make_notice_sender(settings, engine, app.state.job_runner)
    )
    install_error_handlers(app)
    install_security_headers(app, https=settings.cookie_secure)
    install_access_log_redaction()
    install_request_ids(app)
    install_metrics(app, engine, token=settings.metrics_token)
    app.include_router(api_router())
    app.include_router(web_router)
    install_sign_on(app, settings)
    app.include_router(sign_on_router)
    app.include_router(admin_pages_router)
    app.include_router(recipient_pages_router)
    app.include_router(decision_pages_router)
    app.include_router(visit_plan_pages_router)
    app.include_router(import_pages_router)
    app.include_router(carer_pages_router)
    app.include_router(rota_pages_router)
    app.include_router(agreement_pages_router)
    app.include_router(console_router)
    app.include_router(kpi_pages_router)
    app.mount("/static/konsoll", console_static(), name="konsoll")
    app.mount("/app", pwa_files(), name="app")
    for folder, directory in static_asset_dirs().items():
        app.mount(f"{STATIC_URL_PREFIX}/{folder}", StaticFiles(directory=directory), name=folder)

    if settings.api_docs:
        _serve_api_docs(app)

    @app.get("/healthz", tags=["drift"], summary="Liveness: the process answers")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["drift"], summary="Readiness: database, schema, workers and SMS outbox")
    def readyz() -> JSONResponse:
        checks = readiness(engine, workers_expected=settings.effective_job_backend == "procrastinate")
        ready = all(c.ok for c in checks)
        body = {
            "status": "ready" if ready else "unready",
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    return app
