"""Single sign-on against a local OpenID Connect provider (tests/oidc_provider.py, real HTTP): the code
flow with PKCE, ID-token checks, groups mapped to role and teams, carers linked by employee number, no
takeover of local logins, refusals with a message, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend.app import create_app
from backend.audit.models import AdminAction
from backend.auth.deps import CSRF_HEADER
from backend.auth.models import User
from backend.auth.service import team_ids_of
from backend.common.enums import Role
from backend.jobs.runner import InProcessRunner
from backend.settings import Settings
from tests.backend.world import World
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Person, ProviderState, running_provider

KOORD_GUL, KOORD_BLA, PLEIERE, LEDERE = "grp-koord-gul", "grp-koord-bla", "grp-pleiere", "grp-ledere"


@pytest.fixture
def provider() -> Iterator[ProviderState]:
    with running_provider() as state:
        yield state


@pytest.fixture
def sso(settings: Settings, engine: Engine, provider: ProviderState, world: World) -> Iterator[TestClient]:
    """The app with sign-on against the local provider (the world's teams: «Team gul», «Team blå»)."""
    configured = settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "session_secret": "en-lang-hemmelighet-for-test",
            "oidc_group_roles": {
                KOORD_GUL: "coordinator",
                KOORD_BLA: "coordinator",
                PLEIERE: "carer",
                LEDERE: "manager",
            },
            "oidc_group_teams": {
                KOORD_GUL: ["Team gul"],
                KOORD_BLA: ["Team blå"],
                LEDERE: ["Team gul", "Team blå"],
            },
        }
    )
    app = create_app(configured, job_runner=InProcessRunner(engine, configured))
    with TestClient(app) as client:
        yield client


def sign_on(client: TestClient, provider: ProviderState, username: str) -> httpx.Response:
    """The browser's round trip: app → provider's login form → provider → app's callback."""
    start = client.get("/login/sso", follow_redirects=False)
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    assert authorize.startswith(provider.issuer + "/authorize") and "code_challenge=" in authorize
    with httpx.Client() as browser:
        form = browser.get(authorize)
        assert form.status_code == 200
        query = dict(httpx.URL(authorize).params)
        back = browser.post(
            f"{provider.issuer}/authorize",
            data={**query, "username": username, "password": provider.people[username].password},
        )
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/login/sso/callback"
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def person(provider: ProviderState, username: str, groups: list[str], **claims: str) -> None:
    provider.people[username] = Person(
        password="pw",
        claims={
            "sub": f"sub-{username}",
            "preferred_username": username,
            "name": username.title(),
            "groups": groups,
            **claims,
        },
    )


def test_a_coordinator_signs_on_and_follows_the_groups(
    sso: TestClient, provider: ProviderState, session: Session, world: World
) -> None:
    person(provider, "ola.koord@kommune.no", [KOORD_GUL, "ukjent-gruppe"])
    answer = sign_on(sso, provider, "ola.koord@kommune.no")
    assert answer.status_code == 200 and "Du er logget inn" in answer.text
    assert "hjemmerute_session" in answer.headers["set-cookie"] or sso.cookies
    home = sso.get("/")
    assert home.status_code == 200 and "Team gul" in home.text and "Team blå" not in home.text
    user = session.exec(select(User).where(User.username == "ola.koord@kommune.no")).one()
    assert (user.role, team_ids_of(session, user.id or 0)) == (Role.coordinator, {world.team_a})
    assert user.oidc_subject == f"{provider.issuer}|sub-ola.koord@kommune.no"
    logged = session.exec(select(AdminAction).where(col(AdminAction.target).contains("ola.koord"))).all()
    assert [a.grants_access for a in logged] == [True]
    # IT moves Ola to team blå: the next sign-on follows, the old session ends
    old_cookie = dict(sso.cookies)
    provider.people["ola.koord@kommune.no"].claims["groups"] = [KOORD_BLA]
    assert sign_on(sso, provider, "ola.koord@kommune.no").status_code == 200
    session.expire_all()
    assert team_ids_of(session, user.id or 0) == {world.team_b}
    with TestClient(sso.app, cookies=old_cookie) as stale:
        assert stale.get("/", follow_redirects=False).status_code == 303  # back to the login page
    # and a password never works for a sign-on login
    assert (
        sso.post(
            "/api/v1/auth/token", data={"username": "ola.koord@kommune.no", "password": "!sso"}
        ).status_code
        == 401
    )


def test_a_carer_is_linked_by_employee_number_and_gets_the_tablet_app(
    sso: TestClient, provider: ProviderState, session: Session, world: World
) -> None:
    person(provider, "liv.berg", [PLEIERE], employee_id="B1")
    assert sign_on(sso, provider, "liv.berg").status_code == 200
    user = session.exec(select(User).where(User.username == "liv.berg")).one()
    assert (user.role, user.carer_id) == (Role.carer, world.carer_b)
    app_token = sso.post("/api/v1/auth/session-token", headers={CSRF_HEADER: "1"})
    assert app_token.status_code == 200, app_token.text
    day = sso.get("/api/v1/my/day", headers={"Authorization": f"Bearer {app_token.json()['access_token']}"})
    assert day.status_code == 200


@pytest.mark.parametrize(
    ("username", "groups", "claims", "message"),
    [
        ("uten.tilgang", ["ukjent-gruppe"], {}, "ikke gitt tilgang"),
        ("ny.pleier", [PLEIERE], {"employee_id": "Z99"}, "Ansattnummeret ditt er ikke registrert"),
        ("koord", [KOORD_GUL], {}, "finnes alt en lokal innlogging «koord»"),  # no takeover of a local login
    ],
)
def test_refusals_name_the_reason_and_create_nothing(
    sso: TestClient,
    provider: ProviderState,
    session: Session,
    username: str,
    groups: list[str],
    claims: dict[str, str],
    message: str,
) -> None:
    before = len(session.exec(select(User)).all())
    person(provider, username, groups, **claims)
    answer = sign_on(sso, provider, username)
    assert answer.status_code == 403 and message in answer.text
    assert "hjemmerute_session" not in answer.headers.get("set-cookie", "")
    assert len(session.exec(select(User)).all()) == before


def test_forged_state_and_unpublished_signing_keys_are_refused(
    sso: TestClient, provider: ProviderState, session: Session
) -> None:
    person(provider, "leder@kommune.no", [LEDERE])
    start = sso.get("/login/sso", follow_redirects=False)
    assert start.status_code == 302
    forged = sso.get("/login/sso/callback?code=abc&state=not-the-one-sent", follow_redirects=False)
    assert (
        forged.status_code == 400 and "ikke fullført" in forged.text
    )  # login CSRF: a foreign code is refused
    provider.sign_with_rogue_key = True
    answer = sign_on(sso, provider, "leder@kommune.no")
    assert answer.status_code == 400 and "ikke fullført" in answer.text
    assert session.exec(select(User).where(User.username == "leder@kommune.no")).first() is None
    provider.sign_with_rogue_key = False
    assert sign_on(sso, provider, "leder@kommune.no").status_code == 200
    assert sso.get("/nokkeltall").status_code == 200  # the manager's KPI dashboard


def test_sign_on_is_off_unless_configured_and_needs_a_shared_secret(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    assert client.get("/login/sso", follow_redirects=False).status_code == 404
    assert "kommunens konto" not in client.get("/login").text
    half = settings.model_copy(update={"oidc_issuer": "https://login.example", "oidc_client_id": "x"})
    with pytest.raises(ValueError, match="HJEMMERUTE_SESSION_SECRET"):
        create_app(half, job_runner=InProcessRunner(engine, half))
