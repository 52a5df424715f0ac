"""The login page sets a session cookie; cookie-authenticated changes need the CSRF header."""

from __future__ import annotations

import logging
import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from backend.app import create_app
from backend.common.redact import RedactSecrets
from backend.jobs.runner import InProcessRunner
from backend.settings import Settings
from tests.backend.world import PASSWORD, World, auth, web_login


def test_login_page_and_session_cookie(client: TestClient, world: World) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and "Logg inn" in page.text and 'lang="nb"' in page.text
    wrong = web_login(client, "koord", "feil")
    assert wrong.status_code == 401 and "Feil brukernavn eller passord." in wrong.text
    ok = web_login(client, "koord", PASSWORD, follow_redirects=False)
    assert ok.status_code == 303 and "hjemmerute_session" in ok.cookies
    home = client.get("/")
    assert home.status_code == 200 and "Velkommen, koord" in home.text and "Team gul" in home.text
    assert "Team blå" not in home.text  # koordinator A sees own teams only
    assert client.get("/api/v1/auth/me").json()["username"] == "koord"


def test_cookie_sessions_need_the_csrf_header_for_changes(client: TestClient, world: World) -> None:
    web_login(client, "koord", PASSWORD)
    body = {"name": "Ny", "team_id": world.team_a}
    refused = client.post("/api/v1/carers", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    accepted = client.post("/api/v1/carers", json=body, headers={"X-Hjemmerute-CSRF": "1"})
    assert accepted.status_code == 201


def test_logout_ends_the_session(client: TestClient, world: World) -> None:
    web_login(client, "leder", PASSWORD)
    assert client.get("/", follow_redirects=False).status_code == 200
    client.post("/logout")
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_api_docs_work_offline(client: TestClient) -> None:
    """Swagger UI from the installed package, not a CDN: the docs page works in a municipality's closed net."""
    page = client.get("/docs")
    assert page.status_code == 200 and "/static/swagger/swagger-ui-bundle.js" in page.text
    assert re.findall(r"https?://[a-z0-9.-]+\.[a-z]{2,}/[^\"']*\.(?:js|css)", page.text) == []
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/swagger/swagger-ui.css").status_code == 200


def test_every_response_carries_the_security_headers(client: TestClient, world: World) -> None:
    """No framing by other sites, no type sniffing, no referrer, and API answers with personal data are
    never cached (a shared municipal PC)."""
    page = client.get("/login")
    api = client.get("/api/v1/recipients", headers=auth(world, "coordinator"))
    assert api.status_code == 200
    for response in (page, api):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert api.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in page.headers  # only when cookies are secure (HTTPS)


def test_a_foreign_page_cannot_log_the_browser_in(client: TestClient, world: World) -> None:
    """Login CSRF: a page elsewhere posting the login form logged the browser in as the attacker's carer.
    The form carries a token matched by a SameSite=Strict cookie that a cross-site post does not send."""
    foreign = client.post(
        "/login",
        data={"username": "pleier", "password": PASSWORD, "form_token": "gjettet"},
        follow_redirects=False,
    )
    assert foreign.status_code == 403 and "kom fra en annen side" in foreign.text
    assert "hjemmerute_session" not in foreign.cookies
    client.cookies.clear()
    no_cookie = client.post(
        "/login", data={"username": "pleier", "password": PASSWORD}, follow_redirects=False
    )
    assert no_cookie.status_code == 403
    assert web_login(client, "pleier", PASSWORD, follow_redirects=False).status_code == 303


def test_scripts_run_only_from_the_apps_own_files(client: TestClient, world: World) -> None:
    """A strict script-src on every page (the templates have no inline handlers); only the generated plan
    map and the API docs, which start themselves inline, are allowed inline scripts."""
    web_login(client, "koord", PASSWORD)
    for path in ("/login", "/", "/konsoll", "/konsoll/uke", "/nokkeltall", "/app/"):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("style-src")[0], path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text), f"inline script in {path}"
        assert not re.search(r"\son[a-z]+=", response.text), f"inline handler in {path}"
    assert "'unsafe-inline'" in client.get("/docs").headers["Content-Security-Policy"].split("style-src")[0]


def test_api_docs_can_be_turned_off_for_production(settings: Settings, engine: Engine) -> None:
    app = create_app(
        settings.model_copy(update={"api_docs": False}), job_runner=InProcessRunner(engine, settings)
    )
    with TestClient(app) as closed:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert closed.get(path).status_code == 404, path
        assert closed.get("/login").status_code == 200


def test_the_delivery_report_secret_never_reaches_the_access_log() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "10.0.0.9",
            "GET",
            "/api/v1/sms/dlr/sveve?id=17&status=delivered&secret=s3cr3t-verdi&token=abc",
            "1.1",
            200,
        ),
        None,
    )
    assert RedactSecrets().filter(record)
    line = record.getMessage()
    assert "s3cr3t-verdi" not in line and "abc" not in line
    assert "secret=***" in line and "status=delivered" in line


def test_the_web_session_opens_the_carer_app_without_a_second_password(
    client: TestClient, world: World
) -> None:
    """«Åpne kjørelisten» after the web login: the app trades the session cookie (with the CSRF header) for a
    token of its own; a foreign page without the header gets nothing, nor does anyone without a session."""
    assert client.post("/api/v1/auth/session-token").status_code == 401
    web_login(client, "pleier", PASSWORD)
    assert client.post("/api/v1/auth/session-token").status_code == 403  # no CSRF header: a foreign page
    handed = client.post("/api/v1/auth/session-token", headers={"X-Hjemmerute-CSRF": "1"})
    assert handed.status_code == 200 and handed.json()["role"] == "carer"
    token = handed.json()["access_token"]
    client.cookies.clear()
    own = client.get(
        "/api/v1/my/day", params={"date": "2026-11-23"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert own.status_code == 200 and own.json()["routes"]
