"""A municipality's first day, from an empty database to the first plan, in the README's order and only
through the command line (then the coordinator plans in the app): teams, a coordinator login, staff,
recipients with vedtak, rota, a carer's login; each step's mistakes refused with the line and reason and
nothing stored. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from backend.app import create_app
from backend.carers.models import Carer
from backend.cli import cli
from backend.common.localtime import local_instant
from backend.common.types import server_clock
from backend.db import make_engine
from backend.jobs.runner import InProcessRunner
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import Recipient
from backend.settings import Settings, get_settings
from tests.backend.world import web_login

DATA = Path(__file__).resolve().parents[1] / "data"
DAY = dt.date(2026, 11, 25)  # the rota's Wednesday
PASSWORD = "et-langt-passord-9"


@pytest.fixture
def fresh(planning_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("DATABASE_URL", planning_settings.database_url)
    monkeypatch.setenv("HJEMMERUTE_NETWORK_DIR", str(planning_settings.network_dir))
    monkeypatch.setenv("HJEMMERUTE_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("HJEMMERUTE_USER_PASSWORD", PASSWORD)
    get_settings.cache_clear()
    yield planning_settings
    get_settings.cache_clear()


def run(*args: str, fails: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args))
    if fails is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1 and fails in result.output, result.output
    return result.output


def carers(settings: Settings) -> list[str]:
    with Session(make_engine(settings)) as session:
        return [c.name for c in session.exec(select(Carer).order_by(Carer.name))]


def test_from_an_empty_database_to_the_first_plan(fresh: Settings, tmp_path: Path) -> None:
    staff, recipients, decisions, rota = (
        str(DATA / f) for f in ("ansatte.csv", "brukere.csv", "vedtak.csv", "turnus.csv")
    )
    run("init-db")
    run("create-admin", "admin")
    run("import", "staff", staff, fails="ukjent team «Team gul»")  # teams first: the message says which
    run(
        "team",
        "create",
        "Team gul",
        "--base-address",
        "Mannerheimintie 5, Helsinki",
        "--lat",
        "60.1699",
        "--lon",
        "24.9384",
    )
    run("team", "create", "Team gul", "--base-address", "X", "--lat", "60", "--lon", "24", fails="Team gul")
    run(
        "user",
        "create",
        "kari.koord",
        "--role",
        "koordinator",
        "--team",
        "Team lilla",
        fails="finner ikke team «Team lilla»",
    )
    run("user", "create", "kari.koord", "--role", "koordinator", "--team", "Team gul")
    broken = tmp_path / "ansatte.csv"
    broken.write_text(
        Path(staff).read_text(encoding="utf-8").replace("sykepleier;gange", "sykepleier;båt"),
        encoding="utf-8",
    )
    out = run("import", "staff", str(broken), fails="ansatte.csv linje 3")
    assert "reisemåte «båt»" in out and carers(fresh) == []  # all or nothing: Kari's good line is not kept
    assert "'carers': 2" in run("import", "staff", staff)  # as the one administrator
    run("import", "staff", staff, fails="ansattnummer «A1» finnes allerede")
    run("import", "recipients", recipients, "--decisions", decisions, "--as", "kari.koord")
    run("import", "rota", rota, "--as", "kari.koord")
    run(
        "user",
        "create",
        "kari",
        "--role",
        "pleier",
        "--employee-id",
        "A9",
        fails="ingen pleier har ansattnummer «A9»",
    )
    run("user", "create", "kari", "--role", "pleier", "--employee-id", "A1")
    assert carers(fresh) == ["Kari Nilsen", "Per Olsen"]

    app = create_app(fresh, job_runner=InProcessRunner(make_engine(fresh), fresh))
    with server_clock(lambda: local_instant(DAY, dt.time(6, 0))), TestClient(app) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "kari.koord", "password": PASSWORD}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        team_id = client.get("/api/v1/teams", headers=headers).json()[0]["id"]
        started = client.post(
            "/api/v1/planning/runs",
            json={"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [team_id]},
            headers=headers,
        )
        assert started.status_code == 202, started.text
        app.state.job_runner.wait_idle(timeout=120)
        job = client.get(f"/api/v1/jobs/{started.json()['id']}", headers=headers).json()
        assert job["status"] == "done", job
        with Session(make_engine(fresh)) as session:
            plan = session.get(Plan, job["result"]["plan_ids"][0])
            assert plan is not None and plan.stats.get("check_feasible") is True  # the independent validator
            assert int(str(plan.stats.get("visits"))) > 0
        kari = client.post("/api/v1/auth/token", data={"username": "kari", "password": PASSWORD})
        assert kari.status_code == 200 and kari.json()["role"] == "carer"
        new_recipient_with_linked_visits_is_planned(client, fresh, team_id)


def new_recipient_with_linked_visits_is_planned(client: TestClient, settings: Settings, team_id: int) -> None:
    """In the browser's forms: a new recipient, a vedtak of lunch and dinner linked ≥ 180 min apart; the
    two-week preview shows both; the day and evening plans contain them, the link kept."""
    assert web_login(client, "kari.koord", PASSWORD, follow_redirects=False).status_code == 303
    token = re.search(r'name="form_token" value="([^"]+)"', client.get("/konsoll/brukere/ny").text)
    assert token is not None
    made = client.post(
        "/konsoll/brukere",
        data={
            "form_token": token.group(1),
            "name": "Eli Nord",
            "address": "Mannerheimintie 20, Helsinki",
            "lat": "60.1705",
            "lon": "24.9380",
            "language": "nb",
            "team_id": str(team_id),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    page = made.headers["location"].split("?")[0]
    vedtak = {
        "form_token": token.group(1),
        "reference": "V-NORD-1",
        "service_type": "home_nursing",
        "valid_from": DAY.isoformat(),
        "weekdays": ["1", "2", "3", "4", "5"],
        "interval_weeks": "1",
        "visit0_label": "lunsj",
        "visit0_start": "11:30",
        "visit0_end": "12:30",
        "visit0_tasks": "måltid:20",
        "visit1_label": "middag",
        "visit1_start": "15:30",
        "visit1_end": "17:00",
        "visit1_tasks": "måltid:25:helsefagarbeider",
        "link0_from": "lunsj",
        "link0_to": "middag",
        "link0_min": "500",
    }
    refused = client.post(f"{page}/vedtak", data=vedtak)  # 500 minutes after 11:30 cannot fit before 17:00
    assert (
        refused.status_code == 422
        and 'id="link0-error"' in refused.text
        and "kan ikke begynne 500 min" in refused.text
    )
    bad_tasks = client.post(f"{page}/vedtak", data={**vedtak, "visit1_tasks": "måltid"})
    assert bad_tasks.status_code == 422 and 'id="visit1-error"' in bad_tasks.text
    saved = client.post(f"{page}/vedtak", data={**vedtak, "reference": "V-NORD-2", "link0_min": "180"})
    assert saved.status_code == 200, saved.text
    preview = saved.text.split('id="preview"')[1]
    assert "lunsj 11:30–12:30" in preview and "middag 15:30–17:00" in preview
    headers = {
        "Authorization": f"Bearer {client.post('/api/v1/auth/token', data={'username': 'kari.koord', 'password': PASSWORD}).json()['access_token']}"
    }
    stops = []
    for shift in ("day", "evening"):
        started = client.post(
            "/api/v1/planning/runs",
            json={"date": DAY.isoformat(), "shift_kind": shift, "team_ids": [team_id]},
            headers=headers,
        )
        client.app.state.job_runner.wait_idle(timeout=120)  # type: ignore[attr-defined]
        job = client.get(f"/api/v1/jobs/{started.json()['id']}", headers=headers).json()
        assert job["status"] == "done", job
        with Session(make_engine(settings)) as session:
            plan = session.get(Plan, job["result"]["plan_ids"][0])
            assert plan is not None and plan.stats.get("check_feasible") is True
            stops += [
                s
                for s in session.exec(select(Stop).join(Route).where(Route.plan_id == plan.id))
                if session.get(Recipient, s.recipient_id).name == "Eli Nord"  # type: ignore[union-attr]
            ]
    assert len(stops) == 2, "lunch in the day plan, dinner in the evening plan"
    lunch, dinner = sorted(stops, key=lambda s: s.planned_start)
    assert (dinner.planned_start - lunch.planned_start).total_seconds() >= 180 * 60
