"""PyVRP warms up pure VRPTW problems only; home-care problems go straight to OR-Tools."""

from __future__ import annotations

from dataclasses import replace

from routing import Problem, SameStart, SolveParams, check, pyvrp_engine, solve
from tests.routing.builders import H, carer, line_matrix, visit


def _vrptw() -> Problem:
    from routing import Carer, TimeWindow, Visit

    visits = tuple(Visit(f"v{i}", i, 600, (TimeWindow(8 * H, 12 * H),), demand=1) for i in range(1, 9))
    carers = tuple(Carer(f"k{k}", 0, 0, 7 * H, 16 * H, capacity=4) for k in range(3))
    return Problem({"car": line_matrix(9)}, visits, carers)


def test_pure_vrptw_is_warmed_by_pyvrp_and_still_checked() -> None:
    problem = _vrptw()
    assert pyvrp_engine.qualifies(problem)
    plan = solve(problem, SolveParams(time_limit_s=2))
    assert plan.stats.engine == "pyvrp+ortools" and plan.stats.warm_started
    assert check(problem, plan).feasible and plan.unassigned == ()
    assert all(len(r.stops) <= 4 for r in plan.routes)  # capacity 4 per carer


def test_home_care_features_keep_pyvrp_out() -> None:
    soft = Problem({"car": line_matrix(3)}, (visit("a", 1, 8, 9), visit("b", 2, 8, 9)), (carer("kari"),))
    assert not pyvrp_engine.qualifies(soft)  # agreed windows are soft
    linked = Problem(
        {"car": line_matrix(3)},
        (visit("a", 1, 8, 9), visit("b", 1, 8, 9)),
        (carer("kari"), carer("per")),
        (SameStart("a", "b"),),
    )
    assert not pyvrp_engine.qualifies(linked)
    assert solve(linked, SolveParams(time_limit_s=0.5)).stats.engine == "ortools-fix-and-optimise+lns"
    without_lns = SolveParams(time_limit_s=0.5, lns_share=0)
    assert solve(linked, without_lns).stats.engine == "ortools-fix-and-optimise"
    assert solve(linked, replace(without_lns, link_strategy="direct")).stats.engine == "ortools"
    assert solve(_vrptw(), SolveParams(time_limit_s=1, engine="ortools")).stats.engine == "ortools"
