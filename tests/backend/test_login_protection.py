"""Logins an attacker cannot grind through: back-off per account and per address, the same work for unknown
usernames, strong passwords, and administrators' changes that open recipient data logged for the manager."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.auth import service as auth_service
from backend.auth.models import LoginThrottle
from backend.auth.passwords import MIN_LENGTH, password_problem
from backend.auth.throttle import FIRST_WAIT, FREE_FAILURES
from backend.errors import NotAuthenticated
from tests.backend.concurrency import at_once
from tests.backend.conftest import Clock
from tests.backend.world import PASSWORD, World, auth, web_login

LOGIN = "/api/v1/auth/token"


def _login(client: TestClient, username: str, password: str) -> int:
    return client.post(LOGIN, data={"username": username, "password": password}).status_code


def test_guessing_a_password_waits_longer_and_longer_even_for_the_right_one(
    client: TestClient, world: World, clock: Clock
) -> None:
    """Once 60 wrong passwords in 14 s were followed by a working right one. Now after five failures the
    account waits 30 s, then 60 s, …; while it waits even the right password is refused (429 with
    Retry-After), and afterwards it works and clears the count."""
    free = FREE_FAILURES["user"]
    assert [_login(client, "koord", f"gjett-{n}") for n in range(free + 1)] == [401] * (free + 1)
    waiting = client.post(LOGIN, data={"username": "koord", "password": PASSWORD})
    assert waiting.status_code == 429
    assert int(waiting.headers["Retry-After"]) == FIRST_WAIT.total_seconds()
    assert "For mange mislykkede innlogginger" in waiting.json()["detail"]
    clock.now += FIRST_WAIT + dt.timedelta(seconds=1)
    assert _login(client, "koord", "enda-en-gjetning") == 401
    doubled = client.post(LOGIN, data={"username": "koord", "password": PASSWORD})
    assert (
        doubled.status_code == 429 and int(doubled.headers["Retry-After"]) == 2 * FIRST_WAIT.total_seconds()
    )
    clock.now += 2 * FIRST_WAIT + dt.timedelta(seconds=1)
    assert _login(client, "koord", PASSWORD) == 200
    assert _login(client, "koord", "feil-igjen") == 401  # the count started again: one failure, no wait
    assert _login(client, "koord", PASSWORD) == 200
    assert _login(client, "pleier", PASSWORD) == 200  # other accounts were never held up


def test_an_address_spraying_many_usernames_is_held_up(
    client: TestClient, world: World, clock: Clock
) -> None:
    free = FREE_FAILURES["addr"]
    for n in range(free + 1):
        assert _login(client, f"finnes-ikke-{n}", "et-passord-her") == 401
    assert _login(client, "koord", PASSWORD) == 429  # from the same address
    clock.now += dt.timedelta(minutes=20)
    assert _login(client, "koord", PASSWORD) == 200


def test_the_web_login_page_has_the_same_back_off(client: TestClient, world: World) -> None:
    for n in range(FREE_FAILURES["user"] + 1):
        web_login(client, "koord", f"gjett-{n}", follow_redirects=False)
    page = web_login(client, "koord", PASSWORD, follow_redirects=False)
    assert page.status_code == 429 and "For mange mislykkede innlogginger" in page.text
    assert "hjemmerute_session" not in page.headers.get("set-cookie", "")


def test_an_unknown_username_costs_a_password_check_too(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Usernames could be told apart by timing (225 ms for a known one, 28 ms for an unknown one): the
    unknown one is now checked against a stand-in hash, the same Argon2 work."""
    checked: list[str] = []
    real = auth_service.verify_password

    def counting(stored: str, password: str) -> bool:
        checked.append(stored[:9])
        return real(stored, password)

    monkeypatch.setattr(auth_service, "verify_password", counting)
    assert _login(client, "finnes-ikke", "et-passord-her") == 401
    assert _login(client, "koord", "et-passord-her") == 401
    assert checked == ["$argon2id", "$argon2id"]


def test_parallel_guesses_all_count(engine: Engine, client: TestClient, world: World, clock: Clock) -> None:
    """Ten threads guessing at once: every failure is counted (an atomic UPDATE, the row made once)."""

    def guess(n: int) -> None:
        with Session(engine) as session, pytest.raises(NotAuthenticated):
            auth_service.authenticate(session, username="ny-konto", password=f"gjett-{n}")

    at_once(10, guess)
    with Session(engine) as session:
        assert session.get(LoginThrottle, "user:ny-konto").failures == 10  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password", "minst"),
        ("passord123!", "mest brukte"),
        ("aaaaaaaaaaaa", "ulike tegn"),
        ("koord-1234-x", "brukernavn"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(
    client: TestClient, world: World, password: str, why: str
) -> None:
    response = client.patch(
        f"/api/v1/users/{_user_id(client, world, 'koord')}",
        json={"password": password},
        headers=auth(world, "admin"),
    )
    assert response.status_code == 422 and why in response.text, response.text
    assert _login(client, "koord", PASSWORD) == 200


@given(st.text(min_size=MIN_LENGTH, max_size=40))
def test_a_refused_password_always_says_why(password: str) -> None:
    problem = password_problem(password, "koord")
    assert problem is None or problem.startswith("passordet")
    if problem is None:
        assert len(password) >= MIN_LENGTH and "koord" not in password.lower()


def _user_id(client: TestClient, world: World, username: str) -> int:
    users = client.get("/api/v1/users", headers=auth(world, "admin")).json()
    return next(u["id"] for u in users if u["username"] == username)


def test_an_admin_who_opens_recipient_data_is_seen_by_the_manager(client: TestClient, world: World) -> None:
    """The admin could reset a coordinator's password and log in as them. Every such change is logged,
    marked as opening recipient data, and the manager (who cannot change logins) can read the log."""
    admin = auth(world, "admin")
    koord = _user_id(client, world, "koord")
    assert (
        client.patch(
            f"/api/v1/users/{koord}", json={"password": "admin-sitt-nye-passord"}, headers=admin
        ).status_code
        == 200
    )
    made = client.post(
        "/api/v1/users",
        json={
            "username": "ny.koord",
            "full_name": "Ny K",
            "password": "langt-og-godt-passord",
            "role": "coordinator",
            "team_ids": [world.team_a],
        },
        headers=admin,
    )
    assert made.status_code == 201
    assert (
        client.patch(f"/api/v1/users/{koord}", json={"full_name": "Kari K"}, headers=admin).status_code == 200
    )
    seen = client.get("/api/v1/admin-actions", params={"grants_access": True}, headers=auth(world, "manager"))
    assert seen.status_code == 200
    rows = [
        r for r in seen.json() if r["username"] == "admin"
    ]  # the world's own logins were made by "system"
    assert [(r["username"], r["action"]) for r in rows] == [
        ("admin", "opprettet innlogging"),
        ("admin", "endret innlogging: password"),
    ]
    assert "koord (coordinator)" in rows[1]["target"] and "[" in rows[0]["target"]
    everything = client.get("/api/v1/admin-actions", headers=auth(world, "manager")).json()
    assert everything[0]["action"] == "endret innlogging: full_name" and not everything[0]["grants_access"]
    assert client.get("/api/v1/admin-actions", headers=auth(world, "carer")).status_code == 403
    assert "passord" not in str(everything).replace("endret innlogging: password", "")  # never the password
