"""Visits kept on time once placed: the repair pass that makes room for a waiting visit by moving one other
visit, and the re-timing that keeps a pinned double-staffed pair whole."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from routing import Problem, SameStart, SolveParams, check, on_time
from routing.plan import on_time_count
from routing.repair import repair_on_time
from tests.routing.builders import H, M, as_plan, carer, dealt_plan, line_matrix, visit
from tests.routing.test_properties import problems

NURSE = {"helsefagarbeider", "sykepleier"}


def _later(seconds: float = 2.0) -> float:
    return time.monotonic() + seconds


def test_the_nurse_task_goes_on_time_when_the_helper_takes_the_shower() -> None:
    """Nina (nurse) showers a recipient 08:00-08:45, so the insulin agreed 08:00-08:30, a nurse task, starts
    at 08:50. Per (helper) is free until his lunch visit. Neither visit can move alone without another
    falling late; the repair gives the shower to Per and the insulin to Nina, both on time."""
    problem = Problem(
        {"car": line_matrix(4, step=5 * M)},
        (
            visit("dusj", 1, 8, 8.25, 45),
            visit("insulin", 2, 8, 8.5, 20, competences=frozenset({"sykepleier"})),
            visit("lunsj", 3, 11, 12, 30),
        ),
        (carer("nina", comp=NURSE), carer("per")),
    )
    routes, dropped = dealt_plan(problem, {"nina": ["dusj", "insulin"], "per": ["lunsj"]})
    assert check(problem, as_plan(routes, dropped, problem)).feasible
    assert on_time_count(routes) == 2

    repaired, left = repair_on_time(problem, routes, dropped, SolveParams(), _later())

    result = check(problem, as_plan(repaired, left, problem))
    assert result.feasible, result.violations
    assert on_time_count(repaired) == 3 and result.lateness_total == 0
    by_carer = {r.carer_id: [s.visit_id for s in r.stops] for r in repaired}
    assert by_carer == {"nina": ["insulin"], "per": ["dusj", "lunsj"]}


def _paired(second_shift_end_h: float) -> Problem:
    """A lift by Anne and Bjørn pinned at 09:00, Anne with a 40-minute visit agreed 08:30-09:00 first."""
    problem = Problem(
        {"car": line_matrix(3, step=5 * M)},
        (
            visit("tilsyn", 1, 8.5, 9, 40),
            visit("løft-a", 2, 8, 10, 20),
            visit("løft-b", 2, 8, 10, 20),
        ),
        (carer("anne"), carer("bjørn", end_h=second_shift_end_h)),
        links=(SameStart("løft-a", "løft-b"),),
    )
    return on_time.with_placed(problem, {"løft-a": ("anne", 9 * H), "løft-b": ("bjørn", 9 * H)})


def test_a_pinned_lift_outranks_the_visit_that_would_make_it_late() -> None:
    """Anne's visit before the lift would end at 09:10: the lift (two visits, one on each carer) stays and
    the single visit is the one left for the later search."""
    framed = _paired(second_shift_end_h=15)
    _, windows, _ = on_time.search_windows(framed)
    kept, starts = on_time.keep_on_time(framed, {"anne": ("tilsyn", "løft-a"), "bjørn": ("løft-b",)}, windows)
    assert kept == {"anne": ("løft-a",), "bjørn": ("løft-b",)}
    assert starts["løft-a"] == starts["løft-b"] == 9 * H


def test_a_half_whose_partner_is_lost_is_given_up_too() -> None:
    """Bjørn's shift ends at 09:10, before the lift can end: his half cannot be kept, so Anne's half is
    given up as well (OR-Tools starts from these routes and serves both halves or neither), and her other
    visit stays on time."""
    framed = _paired(second_shift_end_h=9 + 10 / 60)
    _, windows, _ = on_time.search_windows(framed)
    kept, _ = on_time.keep_on_time(framed, {"anne": ("tilsyn", "løft-a"), "bjørn": ("løft-b",)}, windows)
    assert kept == {"anne": ("tilsyn",), "bjørn": ()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_visits=6, max_carers=3, links=True), st.data())
def test_the_repair_never_loses_a_visit_on_time(problem: Problem, data: st.DataObject) -> None:
    """Any feasible plan (visits dealt at random, some left out): after the repair it is still feasible, has
    at least as many visits on time, serves every visit it served and is no worse by the objective."""
    owners = [data.draw(st.sampled_from([None, *problem.carers])) for _ in problem.visits]
    orders = {
        c.id: [v.id for v, o in zip(problem.visits, owners, strict=True) if o is c] for c in problem.carers
    }
    routes, dropped = dealt_plan(problem, orders)
    assume(check(problem, as_plan(routes, dropped, problem)).feasible)
    repaired, left = repair_on_time(problem, routes, dropped, SolveParams(), _later())
    result = check(problem, as_plan(repaired, left, problem))
    assert result.feasible, result.violations
    assert on_time_count(repaired) >= on_time_count(routes)
    assert set(left) <= set(dropped)
    before, after = as_plan(routes, dropped, problem).objective, as_plan(repaired, left, problem).objective
    assert after.weighted_total <= before.weighted_total
