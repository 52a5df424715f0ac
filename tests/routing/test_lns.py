"""The pair-aware search (routing.lns): named scenarios and the brute-force optimum of small linked
problems. Every plan is checked by the independent validator."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Plan, Problem, SameStart, SolveParams, Weights, check, lns, solve
from tests.routing.brute_force import optimum_with_links
from tests.routing.builders import H, M, carer, line_matrix, visit
from tests.routing.test_properties import problems

DETERMINISTIC = SolveParams(time_limit_s=10, max_solutions=30, lns_iterations=150)


def checked(problem: Problem, plan: Plan, weights: Weights) -> None:
    result = check(problem, plan, weights)
    assert result.violations == (), result.violations
    assert result.weighted_total == plan.objective.weighted_total


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_visits=5, max_carers=2, links=True, always_link=True), st.sampled_from([0, 3]))
def test_small_linked_problems_are_solved_to_the_brute_force_optimum(problem: Problem, worst: int) -> None:
    weights = Weights(max_lateness_per_second=worst)
    params = SolveParams(time_limit_s=10, max_solutions=30, lns_iterations=150, weights=weights)
    plan = solve(problem, params)
    checked(problem, plan, weights)
    assert plan.objective.weighted_total == optimum_with_links(problem, weights)


def _pair_problem() -> Problem:
    """Two carers, a double-staffed visit (08:00-08:30) and four single visits along one road."""
    visits = (
        visit("løft#1", 3, 8, 8.5, 30),
        visit("løft#2", 3, 8, 8.5, 30),
        visit("a", 1, 8, 10),
        visit("b", 2, 8, 10),
        visit("c", 4, 9, 11),
        visit("d", 5, 9, 11),
    )
    return Problem(
        {"car": line_matrix(6)}, visits, (carer("k1"), carer("k2")), (SameStart("løft#1", "løft#2"),)
    )


def test_double_staffed_visit_left_late_is_moved_into_its_window() -> None:
    """A start where the lift comes last on both lists (late): the search brings it into 08:00-08:30,
    both carers starting together."""
    problem, weights = _pair_problem(), Weights()
    late = {"k1": ("a", "c", "løft#1"), "k2": ("b", "d", "løft#2")}
    timed_late = lns.schedule(problem, late, weights)
    assert timed_late is not None
    better = lns.improve(problem, late, weights, seed=3, time_limit_s=5, max_iterations=100)
    assert better is not None
    timed = lns.schedule(problem, better, weights)
    assert timed is not None
    routes, dropped = timed
    starts = {s.visit_id: s.start for r in routes for s in r.stops}
    assert dropped == []
    assert starts["løft#1"] == starts["løft#2"] <= int(8.5 * H)
    carer_of = {s.visit_id: r.carer_id for r in routes for s in r.stops}
    assert carer_of["løft#1"] != carer_of["løft#2"]
    late_lateness = sum(s.lateness for r in timed_late[0] for s in r.stops)
    assert sum(s.lateness for r in routes for s in r.stops) < late_lateness
    checked(problem, solve(problem, DETERMINISTIC), Weights())


def test_worst_lateness_weight_puts_the_short_visit_first() -> None:
    """One carer at the base at 07:30, two visits there, both agreed to start by 07:30: a weighty hour-long
    visit and a ten-minute one. By total weighted lateness the long one goes first (the short one an hour
    late costs 3,600 against 10 × 600); with a weight on the worst lateness the short one goes first (the
    long one ten minutes late)."""
    visits = (
        visit("lang", 0, 7.5, 7.5, 60, lateness_weight=10, hard_end=12 * H),
        visit("kort", 0, 7.5, 7.5, 10, hard_end=12 * H),
    )
    problem = Problem({"car": line_matrix(1)}, visits, (carer("k1", 7.5),))
    by_total, by_worst = (
        Weights(lateness_per_second=1),
        Weights(lateness_per_second=1, max_lateness_per_second=10),
    )
    first = {w: solve(problem, SolveParams(time_limit_s=3, weights=w)) for w in (by_total, by_worst)}
    for weights, plan in first.items():
        checked(problem, plan, weights)
    assert [s.visit_id for s in first[by_total].routes[0].stops] == ["lang", "kort"]
    assert [s.visit_id for s in first[by_worst].routes[0].stops] == ["kort", "lang"]
    assert first[by_worst].stats.engine.endswith("+lns")
    assert first[by_worst].objective.lateness_max == 10 * M


def test_double_staffed_visit_with_one_qualified_carer_is_left_out_whole() -> None:
    """Only one carer may do either half of the lift: neither half is served, and both are explained."""
    visits = (
        visit("løft#1", 1, 8, 9, competences=frozenset({"sykepleier"})),
        visit("løft#2", 1, 8, 9, competences=frozenset({"sykepleier"})),
        visit("a", 2, 8, 10),
    )
    problem = Problem(
        {"car": line_matrix(3)},
        visits,
        (carer("k1", comp={"sykepleier", "helsefagarbeider"}), carer("k2")),
        (SameStart("løft#1", "løft#2"),),
    )
    plan = solve(problem, DETERMINISTIC)
    checked(problem, plan, Weights())
    assert {u.visit_id for u in plan.unassigned} == {"løft#1", "løft#2"}
    assert plan.assigned_visit_ids() == ["a"]


def test_routes_whose_links_deadlock_cannot_be_scheduled() -> None:
    """k1 does x#1 then y#1, k2 does y#2 then x#2, and x and y are double-staffed: each waits for the other,
    so no schedule exists and the search refuses to start from these routes."""
    visits = tuple(
        visit(v, 1 + i // 2, 8, 9, hard_end=10 * H) for i, v in enumerate(("x#1", "x#2", "y#1", "y#2"))
    )
    problem = Problem(
        {"car": line_matrix(3)},
        visits,
        (carer("k1"), carer("k2")),
        (SameStart("x#1", "x#2"), SameStart("y#1", "y#2")),
    )
    deadlock = {"k1": ("x#1", "y#1"), "k2": ("y#2", "x#2")}
    assert lns.schedule(problem, deadlock, Weights()) is None
    assert lns.improve(problem, deadlock, Weights(), seed=0, time_limit_s=1) is None
    checked(problem, solve(problem, DETERMINISTIC), Weights())


def test_same_seed_and_iteration_count_give_the_same_plan() -> None:
    params = SolveParams(time_limit_s=20, seed=11, max_solutions=20, lns_iterations=80)
    one, two = solve(_pair_problem(), params), solve(_pair_problem(), params)
    assert one.routes == two.routes and one.objective == two.objective
    assert one.stats.engine.endswith("+lns") or one.objective.lateness_total == 0
