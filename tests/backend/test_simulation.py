"""One simulated day on the demo preset, through the real API on the simulated clock (both databases):
the optimiser's day with re-planning and notices, and the manual-like baseline without them."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from backend.auth.service import Principal
from backend.cli import cli
from backend.common.enums import PlanStatus, Role, ShiftKind, VisitEventKind
from backend.common.localtime import local_instant
from backend.decisions.models import DecisionVisit, ServiceDecision
from backend.notices.models import NoticeMessage
from backend.planning.flows import plan_teams
from backend.planning.models import Plan, Route, Stop
from backend.planning.networks import network_for
from backend.planning.service import publish_plan
from backend.recipients.models import Recipient
from backend.rota.models import Absence, RotaEntry
from backend.scenarios.generator import generate
from backend.scenarios.presets import PRESETS
from backend.scenarios.store import reachable_places, store
from backend.settings import Settings, get_settings
from backend.simulation.replay import Options
from backend.simulation.service import DayResult, simulate_day
from backend.teams.models import Team
from backend.visits.models import VisitEvent
from maps import bundled_extract_path

DAY = dt.date(2026, 11, 24)
SEED = 5  # a day on which one day-shift carer calls in sick


@pytest.fixture
def settings(planning_settings: Settings) -> Settings:
    return planning_settings


def _planned_day(engine: Engine, settings: Settings, *, manual_like: bool) -> None:
    scenario = generate(
        PRESETS["demo"],
        reachable_places(bundled_extract_path(), network_for(settings, "walk")),
        seed=3,
        start=DAY,
        days=1,
    )
    with Session(engine) as session:
        store(session, scenario)
        teams = [t.id or 0 for t in session.exec(select(Team))]
        system = Principal(0, "test", Role.coordinator, frozenset(teams), None)
        for shift in (ShiftKind.day, ShiftKind.evening):
            for plan in plan_teams(
                session,
                day=DAY,
                shift_kind=shift,
                team_ids=teams,
                created_by=None,
                settings=settings,
                manual_like=manual_like,
            ):
                publish_plan(session, principal=system, plan_id=plan.id or 0)


def _plans(session: Session) -> list[Plan]:
    return list(session.exec(select(Plan).where(Plan.date == DAY)))


def _checked_in_stops(session: Session) -> Counter[int]:
    return Counter(
        session.exec(select(VisitEvent.stop_id).where(VisitEvent.kind == VisitEventKind.check_in)).all()
    )


def test_a_day_with_sick_call_urgent_visit_replans_and_notices(engine: Engine, settings: Settings) -> None:
    """The optimiser's lists, a carer sick at 07:30 and an urgent visit at 10:00, both re-planned and
    republished through the API; every visit made once per carer, notices sent once by the server's rules."""
    _planned_day(engine, settings, manual_like=False)
    result = simulate_day(settings, Options(day=DAY, seed=SEED, tick_minutes=2), engine)
    log, figures = result.log, result.figures
    assert log.sick_carers and log.urgent_recipient is not None and log.replans >= 2
    with Session(engine) as session:
        plans = _plans(session)
        assert all(p.stats.get("check_feasible") for p in plans), [p.stats for p in plans]  # routing.check
        published = [p for p in plans if p.status == PlanStatus.published]
        # the sick carer's lists went to colleagues: nothing is left on them, and they reported nothing
        sick_routes = session.exec(
            select(Route).where(
                col(Route.plan_id).in_([p.id for p in published]), col(Route.carer_id).in_(log.sick_carers)
            )
        ).all()
        assert not any(session.exec(select(Stop).where(Stop.route_id == r.id)).first() for r in sick_routes)
        assert not session.exec(
            select(VisitEvent).where(col(VisitEvent.carer_id).in_(log.sick_carers))
        ).first()
        # the urgent visit is a one-day vedtak that was planned and made
        urgent = session.exec(
            select(ServiceDecision).where(
                ServiceDecision.recipient_id == log.urgent_recipient, ServiceDecision.valid_from == DAY
            )
        ).all()
        assert any(d.valid_to == DAY for d in urgent)
        # one check-in per stop, check-ins never before the window (carers wait at the door)
        assert max(_checked_in_stops(session).values()) == 1
        for stop_id, check_in in session.exec(
            select(VisitEvent.stop_id, VisitEvent.device_time).where(
                VisitEvent.kind == VisitEventKind.check_in
            )
        ):
            stop = session.get(Stop, stop_id)
            assert stop is not None and check_in >= stop.window_start
        left_out = sum(  # a double-staffed visit left out is listed once and needed two carers
            2 if _double_staffed(session, int(str(u["decision_visit_id"]))) else 1
            for p in published
            for u in p.unassigned
        )
        messages = list(session.exec(select(NoticeMessage)))
        names = [r.name for r in session.exec(select(Recipient))]
    _assert_figures(result)
    # no visit vanishes silently: one never made was left out of the plan with a reason, or left on a list
    assert figures.never_made == left_out + log.abandoned_stops, (figures.never_made, left_out, log)
    # notices: each accepted message reached the console gateway exactly once, without names
    sent = (
        [json.loads(line) for line in settings.sms_outbox_file.read_text().splitlines()] if messages else []
    )
    assert all(n == 1 for n in Counter(m["reference"] for m in sent).values())
    assert len(sent) == sum(1 for m in messages if m.status in ("accepted", "delivered"))
    assert not any(name in m["text"] for m in sent for name in names)


def test_the_manual_like_baseline_has_no_replans_and_no_notices(engine: Engine, settings: Settings) -> None:
    """The same day laid by hand: no re-planning (the sick carer's visits are never made), no notices. The
    drive minutes per visit made leave out the sick carer's list, which stays published but is never driven."""
    _planned_day(engine, settings, manual_like=True)
    result = simulate_day(settings, Options(day=DAY, seed=SEED, replan=False, notices=False), engine)
    assert result.log.sick_carers and result.log.replans == 0
    with Session(engine) as session:
        plans = _plans(session)
        assert plans and all(p.source == "manual_like" and p.stats.get("check_feasible") for p in plans)
        sick_stops = session.exec(
            select(Stop.id)
            .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
            .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
            .where(Plan.status == PlanStatus.published, col(Route.carer_id).in_(result.log.sick_carers))
        ).all()
        assert sick_stops and not set(sick_stops) & set(_checked_in_stops(session))
        assert not session.exec(select(NoticeMessage)).first()
        driven = sum(
            route.travel_seconds
            for plan in plans
            for route in session.exec(select(Route).where(Route.plan_id == plan.id))
            if route.carer_id not in result.log.sick_carers
        )
        made = len(_checked_in_stops(session))
    _assert_figures(result)
    assert result.figures.travel_min_per_visit == pytest.approx(driven / 60 / made, abs=0.01)
    assert result.figures.never_made >= len(sick_stops)
    assert result.figures.kpis.notice_coverage_pct in (None, 0.0)


def test_with_no_sick_leave_nobody_calls_in_sick(engine: Engine, settings: Settings) -> None:
    """`sick_rate` 0 (benchmarks/simulate.py --sick-rate): the day shift comes in whole, and nobody is
    registered absent through the API."""
    _planned_day(engine, settings, manual_like=True)
    result = simulate_day(
        settings, Options(day=DAY, seed=SEED, replan=False, notices=False, sick_rate=0), engine
    )
    assert result.log.sick_carers == []
    with Session(engine) as session:
        assert not session.exec(select(Absence)).first()
    _assert_figures(result)


@pytest.mark.parametrize("replan", [True, False], ids=["hjemmerute", "baseline"])
def test_a_stand_in_called_in_at_the_sick_call_makes_the_visits(
    engine: Engine, settings: Settings, replan: bool
) -> None:
    """`stand_ins` (benchmarks/simulate.py --stand-ins): at 07:30 the coordinator calls in the first stand-in
    of the sick carer's team the product offers. hjemmerute re-plans with them; the baseline hands them the
    sick carer's list as it is, each visit moved later as far as the later start pushes it. Either way the
    stand-in checks in from the start of the shift they were given, and never to a visit twice."""
    _planned_day(engine, settings, manual_like=not replan)
    result = simulate_day(
        settings, Options(day=DAY, seed=SEED, replan=replan, notices=replan, stand_ins=True), engine
    )
    (sick,) = result.log.sick_carers
    stand_in = result.log.stand_ins[sick]
    with Session(engine) as session:
        solved = [p for p in _plans(session) if p.source != "manual"]  # the hand-over is laid by hand
        assert solved and all(p.stats.get("check_feasible") for p in solved), "routing.check"
        shift = session.exec(
            select(RotaEntry).where(RotaEntry.carer_id == stand_in, RotaEntry.date == DAY)
        ).one()
        assert shift.start >= local_instant(DAY, dt.time(8, 30))  # an hour after the call
        visits = session.exec(
            select(VisitEvent.device_time, Stop.decision_visit_id)
            .join(Stop, Stop.id == VisitEvent.stop_id)  # type: ignore[arg-type]
            .where(VisitEvent.carer_id == stand_in, VisitEvent.kind == VisitEventKind.check_in)
        ).all()
        assert visits and all(at >= shift.start for at, _ in visits)
        assert max(Counter(v for _, v in visits).values()) == 1
        if not replan:  # the sick carer's list, in its order
            was = {
                s.decision_visit_id
                for s in session.exec(
                    select(Stop)
                    .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
                    .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
                    .where(Plan.status == PlanStatus.superseded, Route.carer_id == sick)
                )
            }
            assert {v for _, v in visits} <= was
            # the hand-laid list drives on the roads too (a list stored without drives read as no driving)
            handed = [p for p in _plans(session) if p.source == "manual"]
            for route in session.exec(select(Route).where(col(Route.plan_id).in_([p.id for p in handed]))):
                legs = [s.travel_seconds for s in session.exec(select(Stop).where(Stop.route_id == route.id))]
                assert not legs or route.travel_seconds > sum(legs) > 0
    _assert_figures(result)


def _double_staffed(session: Session, decision_visit_id: int) -> bool:
    visit = session.get(DecisionVisit, decision_visit_id)
    return visit is not None and visit.double_staffed


def _assert_figures(result: DayResult) -> None:
    f = result.figures
    assert f.due > 0 and 0 <= f.started_in_window <= f.due
    assert f.punctual_pct == pytest.approx(100 * f.started_in_window / f.due, abs=0.05)
    assert f.kpis.travel_pct is not None and 0 < f.kpis.travel_pct < 100
    assert f.kpis.face_to_face_pct is not None and 0 < f.kpis.face_to_face_pct < 100
    assert len(f.lines()) == 3


def test_simulate_cli_names_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HJEMMERUTE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    bad = runner.invoke(cli, ["simulate", "--date", "24.11.2026"])
    assert bad.exit_code != 0 and "er ikke en dato" in bad.output
    runner.invoke(cli, ["init-db"])
    empty = runner.invoke(cli, ["simulate", "--date", DAY.isoformat()])
    get_settings.cache_clear()
    assert empty.exit_code != 0 and "Ingen publiserte kjørelister" in empty.output
