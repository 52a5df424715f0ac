"""The manual-like baseline planner: lists laid by hand today, checked by the same independent validator."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from routing import Break, Plan, Precedence, Problem, SameStart, check
from routing.baseline import plan_manual_like
from tests.routing.builders import H, M, carer, line_matrix, visit
from tests.routing.test_properties import problems


def checked(problem: Problem) -> Plan:
    plan = plan_manual_like(problem)
    result = check(problem, plan)
    assert result.violations == (), result.violations
    assert result.weighted_total == plan.objective.weighted_total
    return plan


def test_each_list_runs_in_window_order_and_takes_the_nearest_open_visit() -> None:
    """Two 08-09 visits (far 4, near 1) and one 10-11 visit: the carer goes near, far, then the later one."""
    problem = Problem(
        {"car": line_matrix(5)},
        (visit("far", 4, 8, 9), visit("near", 1, 8, 9), visit("later", 2, 10, 11)),
        (carer("kari", 8, 15),),
    )
    route = checked(problem).route_of("kari")
    assert route is not None
    assert [s.visit_id for s in route.stops] == ["near", "far", "later"]


def test_whoever_is_free_first_takes_the_next_visit() -> None:
    """Four 08-09 visits, two carers: both get work (parallel lists), all on time."""
    problem = Problem(
        {"car": line_matrix(5)},
        tuple(visit(f"v{i}", i, 8, 9, 30) for i in range(1, 5)),
        (carer("kari", 8, 15), carer("per", 8, 15)),
    )
    plan = checked(problem)
    assert len(plan.routes) == 2 and plan.unassigned == ()
    assert plan.objective.lateness_total == 0


def test_double_staffed_visit_gets_a_colleague_at_the_same_start() -> None:
    """Both halves of a lift start together, on two different lists."""
    problem = Problem(
        {"car": line_matrix(4)},
        (visit("løft#1", 2, 8, 9, 30), visit("løft#2", 2, 8, 9, 30), visit("stell", 3, 8, 9)),
        (carer("kari", 8, 15), carer("per", 8, 15)),
        (SameStart("løft#1", "løft#2"),),
    )
    plan = checked(problem)
    owners = {s.visit_id: (r.carer_id, s.start) for r in plan.routes for s in r.stops}
    assert owners["løft#1"][1] == owners["løft#2"][1]
    assert owners["løft#1"][0] != owners["løft#2"][0]


def test_dinner_waits_its_gap_and_the_break_comes_before_its_latest_start() -> None:
    """Lunch 12-14, dinner ≥ 3 h later; the 30-min break (11:30-12:30 latest start) never overlaps a visit."""
    problem = Problem(
        {"car": line_matrix(3)},
        (visit("lunsj", 1, 12, 14, 45), visit("middag", 2, 14, 18, 20)),
        (carer("kari", 11, 20, breaks=(Break(int(11.5 * H), int(12.5 * H), 30 * M),)),),
        (Precedence("lunsj", "middag", min_gap=3 * H),),
    )
    plan = checked(problem)
    times = {s.visit_id: s.start for r in plan.routes for s in r.stops}
    assert times["middag"] - times["lunsj"] >= 3 * H


def test_what_does_not_fit_is_left_out_with_a_reason() -> None:
    """Nobody has the nurse competence: the visit is unassigned with that reason, not forced onto a list."""
    problem = Problem(
        {"car": line_matrix(3)},
        (visit("medisin", 1, 8, 9, competences=frozenset({"sykepleier"})), visit("stell", 2, 8, 9)),
        (carer("kari", 8, 15),),
    )
    plan = checked(problem)
    assert [(u.visit_id, u.reason) for u in plan.unassigned] == [("medisin", "no_competence")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_visits=10, max_carers=3, links=True))
def test_every_manual_like_plan_passes_the_independent_validator(problem: Problem) -> None:
    plan = checked(problem)
    assert {u.visit_id for u in plan.unassigned} | set(plan.assigned_visit_ids()) == {
        v.id for v in problem.visits
    }
