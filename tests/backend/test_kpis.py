"""Every KPI on a small hand-built week, with the expected values worked out by hand (in the comments),
on SQLite and PostgreSQL; the API, CSV and PDF give the same figures; names only in the drill-down."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from backend.common.spreadsheet import FORMULA_START
from backend.kpis.definitions import Kpis, VisitRecord, compute, start_spreads
from backend.kpis.export import COLUMNS, to_csv
from backend.kpis.service import TeamWeekKpis, weekly_table
from tests.backend.kpi_week import MONDAY, PASSWORD, build_kpi_week


@pytest.fixture
def week(session: Session) -> dict[str, int]:
    return build_kpi_week(session)


EXPECTED = {
    "visits": 4,  # S1-S4 (S5 cancelled)
    "checked_in": 3,
    "punctuality_pct": 33.3,  # S1 of S1-S3
    "punctuality_morning_pct": 50.0,  # S1, S2 (windows from 08 and 09)
    "punctuality_day_pct": 0.0,  # S3 (12)
    "punctuality_evening_pct": None,  # S4 never checked in
    "late_visits": 2,
    "lateness_mean_min": 30.0,  # (20 + 40) / 2
    "lateness_p90_min": 40.0,  # nearest rank of 2 values
    "missed_visits": 1,  # S4
    "not_done_visits": 1,  # S5, reported «ikke hjemme»: not missed, not silent
    "not_home_visits": 1,
    "notice_coverage_pct": 50.0,  # S2 noticed at 09:50 < 10:00; S3's SMS came after 13:00
    "face_to_face_pct": 8.9,  # (30 + 20 + 30) min = 4,800 s / 54,000 s
    "travel_pct": 5.6,  # 3,000 / 54,000
    "waiting_pct": 2.8,  # (10 + 15) min = 1,500 s / 54,000 s
    "distinct_carers_7d": 1.0,  # R1 {Kari}, R2 {Kari}, R3 {Per}
    "distinct_carers_14d": 1.3,  # R1 {Kari, Per} → (2 + 1 + 1) / 3
    "distinct_carers_28d": 1.3,
    "primary_contact_pct": 50.0,  # S1 by Kari (R1's primary) yes, S3 by Per (R3's primary is Kari) no
    "delivered_vs_allocated_pct": 72.7,  # 80 actual / 110 vedtak minutes
    "minutes_diff_mean": -5.0,  # (0 + 0 − 15) / 3
    "start_spread_p50_min": None,  # no vedtak visit checked in on two days
    "start_spread_p90_min": None,
}


def test_every_kpi_matches_the_hand_computed_value(session: Session, week: dict[str, int]) -> None:
    (row,) = weekly_table(session, monday=MONDAY, team_ids=[week["team"]])
    assert row.week == "2026-W48" and row.team_name == "Nord"
    assert {k: getattr(row, k) for k in EXPECTED} == EXPECTED


def _login(client: TestClient, username: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()[
        "access_token"
    ]
    return {"Authorization": f"Bearer {token}"}


def test_api_csv_pdf_and_drill_down_agree(client: TestClient, session: Session, week: dict[str, int]) -> None:
    leder, koord = _login(client, "leder"), _login(client, "koord")
    weekly = client.get("/api/v1/kpis/weekly", params={"week": "2026-W48"}, headers=leder)
    assert weekly.status_code == 200 and weekly.json()[0]["punctuality_pct"] == 33.3
    answer = client.get(
        "/api/v1/kpis/series",
        params={"team_id": week["team"], "until": "2026-W48", "weeks": 4},
        headers=leder,
    )
    assert answer.status_code == 200, answer.text
    series = answer.json()
    assert [w["week"] for w in series["weeks"]] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert series["weeks"][-1]["notice_coverage_pct"] == 50.0 and series["weeks"][-2]["visits"] == 1
    chart = next(c for c in series["charts"] if c["kpi"] == "punctuality_pct")
    assert chart["mean"] == pytest.approx(
        (100.0 + 33.3) / 2, abs=0.1
    )  # W47 (1 of 1 on time), W48; W45-46 empty
    csv_text = client.get(
        "/api/v1/kpis/weekly.csv", params={"week": "2026-W48"}, headers=leder
    ).content.decode("utf-8-sig")
    header, line = csv_text.splitlines()[:2]
    assert header.startswith("Team;Uke;Besøk;Punktlighet %") and line.startswith("Nord;2026-W48;4;33,3")
    pdf = client.get("/api/v1/kpis/report.pdf", params={"week": "2026-W48"}, headers=leder)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 1000
    assert (
        client.get(
            "/api/v1/kpis/visits", params={"team_id": week["team"], "week": "2026-W48"}, headers=leder
        ).status_code
        == 403
    )
    visits = client.get(
        "/api/v1/kpis/visits", params={"team_id": week["team"], "week": "2026-W48"}, headers=koord
    ).json()
    assert [v["recipient_name"] for v in visits] == ["R1", "R2", "R2", "R3", "R1"]
    assert [v["noticed"] for v in visits] == [False, True, False, False, False]
    assert "R1" not in weekly.text and "Kari" not in weekly.text  # aggregates carry no names
    assert client.get("/api/v1/kpis/weekly", params={"week": "2026-W99"}, headers=leder).status_code == 422


@given(st.text(min_size=1, max_size=40))
def test_no_exported_text_starts_a_spreadsheet_formula(team_name: str) -> None:
    """A team named «=HYPERLINK(…)» (or +, -, @) reaches the KPI CSV as text, never as a formula."""
    fields = {
        name: (0 if info.annotation in (int, "int") else None) for name, info in Kpis.model_fields.items()
    }
    row = TeamWeekKpis(**fields, team_id=1, team_name=team_name, week="2026-W48")
    header, cells = list(csv.reader(io.StringIO(to_csv([row])), delimiter=";"))
    assert len(cells) == len(header)
    assert not any(cell.startswith(FORMULA_START) for cell in cells)
    shown = cells[[field for field, _ in COLUMNS].index("team_name")]
    assert shown in (team_name, "'" + team_name)  # the name itself, at most quoted


def _checked_in(decision_visit_id: int, day: dt.date, utc_clock: str) -> VisitRecord:
    """A visit of one vedtak visit checked in at a UTC clock time (naive UTC, as the KPI records are)."""
    at = dt.datetime.combine(day, dt.time.fromisoformat(utc_clock))
    end = at + dt.timedelta(minutes=20)
    return VisitRecord(
        1, day, 0, 1, 1, None, at, end, at, at, end, at, end, False, None, decision_visit_id=decision_visit_id
    ).derive()


def test_the_start_spread_is_how_far_a_visit_strays_from_its_usual_time() -> None:
    """Morning visit checked in 08:05, 08:10, 08:30 (local, winter: UTC+1) → median 08:10, spread 20 min;
    evening visit 21:00 and 21:04 → spread 2; a visit seen once has no spread; across the spring DST night
    08:00 local on Saturday and Sunday is no spread at all. p50 of [20, 2, 0] = 2, p90 (nearest rank) 20."""
    monday = dt.date(2026, 11, 23)
    days = [monday + dt.timedelta(days=i) for i in range(3)]
    records = [_checked_in(1, d, t) for d, t in zip(days, ("07:05", "07:10", "07:30"), strict=True)]
    records += [
        _checked_in(2, days[0], "20:00"),
        _checked_in(2, days[1], "20:04"),
        _checked_in(3, days[0], "11:00"),
    ]
    records += [_checked_in(4, dt.date(2027, 3, 27), "07:00"), _checked_in(4, dt.date(2027, 3, 28), "06:00")]
    assert sorted(start_spreads(records)) == [0, 2, 20]
    kpis = compute(records, [], daily={}, period_end=days[-1], now=dt.datetime(2027, 4, 1, tzinfo=dt.UTC))
    assert (kpis.start_spread_p50_min, kpis.start_spread_p90_min) == (2.0, 20.0)
