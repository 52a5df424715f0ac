"""`hjemmerute demo` loads the embedded municipality on real OSM addresses; CLI errors exit non-zero."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from backend.auth.models import User
from backend.cli import cli
from backend.common.enums import PlanStatus
from backend.db import make_engine
from backend.decisions.expansion import visits_for
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import Recipient
from backend.scenarios.presets import PRESETS
from backend.settings import Settings, get_settings
from backend.teams.models import Team
from maps import addressed_buildings, bundled_extract_path

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HJEMMERUTE_NETWORK_DIR", str(tmp_path_factory.getbasetemp() / "cli-networks"))
    monkeypatch.setenv("HJEMMERUTE_PLAN_SECONDS_PER_TEAM", "1")
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_demo_loads_teams_recipients_on_real_addresses_and_logins(cli_env: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["demo", "--date", "2026-11-23"])
    assert result.exit_code == 0, result.output
    for login in ("koordinator", "pleier1", "pleier2", "leder", "admin"):
        assert login in result.output
    again = runner.invoke(cli, ["demo", "--date", "2026-11-23"])
    assert again.exit_code == 1 and "--reset" in again.output
    addresses = {(round(p.lat, 7), round(p.lon, 7)) for p in addressed_buildings(bundled_extract_path())}
    with Session(make_engine(Settings(database_url=cli_env))) as session:
        teams = session.exec(select(Team).order_by(Team.name)).all()
        assert [t.name for t in teams] == ["Team blå", "Team gul"]
        recipients = session.exec(select(Recipient)).all()
        assert len(recipients) == PRESETS["demo"].recipients  # the scenario generator's demo preset
        assert all((round(r.lat, 7), round(r.lon, 7)) in addresses for r in recipients)
        monday = [v for t in teams for v in visits_for(session, day=dt.date(2026, 11, 23), team_id=t.id or 0)]
        assert len(monday) >= len(recipients) // 2
        published = session.exec(select(Plan).where(Plan.status == PlanStatus.published)).all()
        assert sorted((p.team_id, p.shift_kind.value) for p in published) == sorted(
            (t.id, shift) for t in teams for shift in ("day", "evening")
        )
        assert all(p.source == "solver" and p.stats["check_feasible"] for p in published)
        # the demo's carer logins belong to carers with visits today (the app shows them a real list)
        for username in ("pleier1", "pleier2"):
            user = session.exec(select(User).where(User.username == username)).one()
            stops = session.exec(
                select(func.count())
                .select_from(Stop)
                .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
                .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
                .where(Route.carer_id == user.carer_id, Plan.status == PlanStatus.published)
            ).one()
            assert stops > 0, username
    reset = runner.invoke(cli, ["demo", "--reset", "--date", "2026-11-24"])
    assert reset.exit_code == 0, reset.output


def test_cli_import_reports_lines_and_exits_non_zero(cli_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", "--date", "2026-11-23"]).exit_code == 0
    bad = tmp_path / "brukere.csv"
    bad.write_text(
        (DATA / "brukere.csv").read_text(encoding="utf-8").replace("Team gul", "Team lilla"), encoding="utf-8"
    )
    result = runner.invoke(cli, ["import", "recipients", str(bad)])
    assert result.exit_code == 1
    assert "brukere.csv linje 2" in result.output and "ukjent team «Team lilla»" in result.output
    missing = runner.invoke(cli, ["import", "rota", str(tmp_path / "finnes-ikke.csv")])
    assert missing.exit_code == 1 and "finner ikke filen" in missing.output
    good = runner.invoke(
        cli, ["import", "recipients", str(DATA / "brukere.csv"), "--decisions", str(DATA / "vedtak.csv")]
    )
    assert good.exit_code == 0, good.output
    assert "'recipients': 2" in good.output


def test_demo_history_gives_the_manager_kpis_on_first_start(cli_env: str) -> None:
    """`make demo` simulates the days before today (here two), so /nokkeltall is not a page of empty charts:
    the manager's weekly KPIs have checked-in visits for every team, counted by the KPI definitions."""
    from fastapi.testclient import TestClient

    from backend.app import create_app

    result = CliRunner().invoke(cli, ["demo", "--date", "2026-11-25", "--history-days", "2"])
    assert result.exit_code == 0, result.output
    assert "2026-11-23:" in result.output and "2026-11-24:" in result.output
    with TestClient(create_app(get_settings())) as client:
        token = client.post("/api/v1/auth/token", data={"username": "leder", "password": "hjemmerute-demo"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        rows = client.get("/api/v1/kpis/weekly", params={"week": "2026-W48"}, headers=headers).json()
    assert len(rows) == 2
    assert all(row["checked_in"] > 0 and row["punctuality_pct"] is not None for row in rows), rows


def test_create_admin_asks_for_a_strong_password_and_logs_itself(cli_env: str, engine: Engine) -> None:
    """«password» on the command line was accepted: the password is now asked for twice, never an option,
    and must pass the strength rules."""
    runner = CliRunner()
    weak = runner.invoke(cli, ["create-admin", "drift"], input="password\npassword\n")
    assert weak.exit_code == 1 and "minst" in weak.output
    mismatch = runner.invoke(cli, ["create-admin", "drift"], input="et-langt-passord\net-annet-passord\n")
    assert mismatch.exit_code == 1 and "ikke like" in mismatch.output
    assert "--password" not in runner.invoke(cli, ["create-admin", "--help"]).output
    made = runner.invoke(cli, ["create-admin", "drift"], input="stille-natt-1942\nstille-natt-1942\n")
    assert made.exit_code == 0, made.output
    with Session(engine) as session:
        assert session.exec(select(User).where(User.username == "drift")).one().role.value == "admin"


def test_several_server_processes_need_postgresql(cli_env: str) -> None:
    if not cli_env.startswith("sqlite"):
        pytest.skip("on PostgreSQL it would start the server")
    refused = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    assert refused.exit_code == 1 and "krever PostgreSQL" in refused.output


def test_visit_plans_from_the_command_line(cli_env: str) -> None:
    """`hjemmerute visit-plans` queues a week's besøksplan SMS (none without consenting recipients); a week
    that is not an ISO week is named and exits non-zero."""
    runner = CliRunner()
    assert runner.invoke(cli, ["init-db"]).exit_code == 0
    done = runner.invoke(cli, ["visit-plans", "--week", "2026-W49"])
    assert done.exit_code == 0 and "0 besøksplaner for uke 49 lagt i utboksen" in done.output, done.output
    bad = runner.invoke(cli, ["visit-plans", "--week", "uke 49"])
    assert bad.exit_code == 1 and "«uke 49» er ikke en ISO-uke" in bad.output
