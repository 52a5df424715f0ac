"""The login page sets a session cookie; cookie-authenticated changes need the CSRF header."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.backend.world import PASSWORD, World, auth


def test_login_page_and_session_cookie(client: TestClient, world: World) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and "Logg inn" in page.text and 'lang="nb"' in page.text
    wrong = client.post("/login", data={"username": "koord", "password": "feil"})
    assert wrong.status_code == 401 and "Feil brukernavn eller passord." in wrong.text
    ok = client.post("/login", data={"username": "koord", "password": PASSWORD}, follow_redirects=False)
    assert ok.status_code == 303 and "hjemmerute_session" in ok.cookies
    home = client.get("/")
    assert home.status_code == 200 and "Velkommen, koord" in home.text and "Team gul" in home.text
    assert "Team blå" not in home.text  # koordinator A sees own teams only
    assert client.get("/api/v1/auth/me").json()["username"] == "koord"


def test_cookie_sessions_need_the_csrf_header_for_changes(client: TestClient, world: World) -> None:
    client.post("/login", data={"username": "koord", "password": PASSWORD})
    body = {"name": "Ny", "team_id": world.team_a}
    refused = client.post("/api/v1/carers", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    accepted = client.post("/api/v1/carers", json=body, headers={"X-Hjemmerute-CSRF": "1"})
    assert accepted.status_code == 201


def test_logout_ends_the_session(client: TestClient, world: World) -> None:
    client.post("/login", data={"username": "leder", "password": PASSWORD})
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
