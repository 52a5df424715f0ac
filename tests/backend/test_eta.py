"""Expected times from actual progress (backend/visits/eta.py). The named cases in tests/data/eta_cases.json
are shared with the tablet's mobile_pwa/eta.js (the browser test runs them there too)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.visits.eta import EtaStop, expected_starts

CASES = json.loads((Path(__file__).resolve().parents[1] / "data" / "eta_cases.json").read_text())


def _when(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def eta_stop(raw: dict[str, Any]) -> EtaStop:
    return EtaStop(
        stop_id=raw["stop_id"],
        window_end=dt.datetime.fromisoformat(raw["window_end"]),
        planned_start=dt.datetime.fromisoformat(raw["planned_start"]),
        minutes=raw["minutes"],
        travel_seconds=raw["travel_seconds"],
        checked_in=_when(raw.get("checked_in")),
        checked_out=_when(raw.get("checked_out")),
        cancelled=raw.get("cancelled", False),
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_named_cases(case: dict[str, Any]) -> None:
    etas = expected_starts(
        [eta_stop(s) for s in case["stops"]],
        dt.datetime.fromisoformat(case["now"]),
        break_start=_when(case["break_start"]),
        break_minutes=case["break_minutes"],
    )
    got = [
        {
            "stop_id": e.stop_id,
            "expected_start": e.expected_start.isoformat().replace("+00:00", "Z")
            if e.expected_start
            else None,
            "lateness_minutes": e.lateness_minutes,
            "state": e.state,
        }
        for e in etas
    ]
    assert got == case["expected"]


BASE = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


@st.composite
def routes(draw: st.DrawFn) -> tuple[list[EtaStop], dt.datetime]:
    count = draw(st.integers(1, 8))
    stops, clock = [], BASE
    done = draw(st.integers(0, count))
    for index in range(count):
        travel = draw(st.integers(0, 1800))
        minutes = draw(st.integers(5, 60))
        clock += dt.timedelta(seconds=travel + draw(st.integers(0, 3600)))
        checked_in = checked_out = None
        if index < done:
            checked_in = clock + dt.timedelta(minutes=draw(st.integers(-10, 40)))
            checked_out = checked_in + dt.timedelta(minutes=draw(st.integers(1, 90)))
        stops.append(
            EtaStop(index, clock + dt.timedelta(minutes=60), clock, minutes, travel, checked_in, checked_out)
        )
        clock += dt.timedelta(minutes=minutes)
    now = BASE + dt.timedelta(minutes=draw(st.integers(0, 16 * 60)))
    return stops, now


@given(routes())
def test_expected_times_respect_plan_travel_and_now(route: tuple[list[EtaStop], dt.datetime]) -> None:
    """A visit not yet started never starts before its planned start, before now, or before the carer can
    get there from the previous visit; lateness is exactly the minutes past the agreed window."""
    stops, now = route
    etas = expected_starts(stops, now)
    previous_end = None
    for stop, eta in zip(stops, etas, strict=True):
        assert eta.expected_start is not None and eta.expected_end is not None
        if eta.state == "planned":
            assert eta.expected_start >= max(stop.planned_start, now)
            if previous_end is not None:
                assert eta.expected_start >= previous_end + dt.timedelta(seconds=stop.travel_seconds)
        late = max(0, int((eta.expected_start - stop.window_end).total_seconds() // 60))
        assert eta.lateness_minutes == late
        previous_end = eta.expected_end
