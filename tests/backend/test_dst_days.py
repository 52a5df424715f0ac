"""Times that do not exist (29 March, 02:00-02:59) or exist twice (25 October) in agreed windows and rota:
never an inverted window or shift, never a raw ValueError in a job."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.common.enums import JobStatus
from backend.common.localtime import local_window
from backend.jobs.models import JobRecord
from backend.jobs.runner import InProcessRunner, enqueue
from tests.backend.world import World, auth

SPRING = dt.date(2026, 3, 29)
AUTUMN = dt.date(2026, 10, 25)


def _shift(world: World, day: dt.date, start: str, end: str, **breaks: str) -> dict[str, object]:
    return {
        "carer_id": world.carer_a,
        "date": day.isoformat(),
        "shift_kind": "day",
        "start": start,
        "end": end,
        **breaks,
    }


@pytest.mark.parametrize(
    ("day", "start", "end", "breaks", "field"),
    [
        (SPRING, "02:30", "10:00", {}, "start"),
        (SPRING - dt.timedelta(days=1), "22:00", "02:30", {}, "end"),  # a night shift ending in the gap
        (SPRING, "00:30", "08:00", {"break_earliest": "02:15", "break_latest": "04:00"}, "break_earliest"),
    ],
)
def test_a_rota_time_that_does_not_exist_is_refused_by_name(
    client: TestClient, world: World, day: dt.date, start: str, end: str, breaks: dict[str, str], field: str
) -> None:
    response = client.post(
        "/api/v1/rota", json=_shift(world, day, start, end, **breaks), headers=auth(world, "coordinator")
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and "finnes ikke" in response.json()["detail"]


def test_a_shift_through_the_repeated_hour_counts_the_hour_it_really_lasts(
    client: TestClient, world: World
) -> None:
    """01:30-03:30 on 25 October: 02:30 happens twice, the shift really lasts three hours."""
    made = client.post(
        "/api/v1/rota", json=_shift(world, AUTUMN, "01:30", "03:30"), headers=auth(world, "coordinator")
    )
    assert made.status_code == 201, made.text
    start, end = (dt.datetime.fromisoformat(made.json()[k]) for k in ("start", "end"))
    assert end - start == dt.timedelta(hours=3)


@given(
    day=st.sampled_from([SPRING, AUTUMN, dt.date(2026, 11, 23)]),
    start=st.times(),
    minutes=st.integers(min_value=1, max_value=23 * 60),
)
def test_an_agreed_window_is_never_inverted_on_any_day(day: dt.date, start: dt.time, minutes: int) -> None:
    wall_end = dt.datetime.combine(day, start) + dt.timedelta(minutes=minutes)
    if wall_end.date() != day:
        return  # agreed windows lie within one day
    begin, finish = local_window(day, start.replace(microsecond=0), wall_end.time().replace(microsecond=0))
    assert begin <= finish
    assert finish - begin <= dt.timedelta(minutes=minutes + 60)


def test_a_night_window_in_the_spring_gap_moves_as_a_whole(client: TestClient, world: World) -> None:
    """02:30-03:10 on 29 March: 02:30 moves to 03:30, so the window moves as a whole to 03:30-04:10 (once
    it came out as 03:30-03:10 and the planning job failed)."""
    coordinator = auth(world, "coordinator")
    body = {
        "recipient_id": world.recipient_a,
        "valid_from": "2026-03-01",
        "weekdays": [7],
        "visits": [
            {
                "label": "natt",
                "window_start": "02:30",
                "window_end": "03:10",
                "tasks": [{"name": "tilsyn", "minutes": 10}],
            }
        ],
    }
    assert client.post("/api/v1/decisions", json=body, headers=coordinator).status_code == 201
    visits = client.get(
        f"/api/v1/teams/{world.team_a}/visits", params={"date": SPRING.isoformat()}, headers=coordinator
    ).json()
    night = next(v for v in visits if v["label"] == "natt")
    start, end = (dt.datetime.fromisoformat(night[k]) for k in ("window_start", "window_end"))
    assert start.astimezone(dt.UTC).time() == dt.time(1, 30) and end - start == dt.timedelta(minutes=40)


def test_an_unexpected_job_failure_tells_the_coordinator_without_internals(
    client: TestClient, world: World, engine: Engine
) -> None:
    runner = InProcessRunner(engine, client.app.state.settings)  # type: ignore[attr-defined]
    with Session(engine) as session:
        record = enqueue(
            session,
            runner,
            name="prepare_day",
            args={"date": "29.03.2026", "team_id": world.team_a},
            created_by=None,
        )
    runner.wait_idle()
    with Session(engine) as session:
        stored = session.get(JobRecord, record.id)
        assert stored is not None and stored.status == JobStatus.failed
        assert (
            stored.error is not None and "uventet feil" in stored.error and "ValueError" not in stored.error
        )
