"""PyVRP warms up pure VRPTW problems; on home-care days (agreed windows that may be missed) it first puts as
many visits as possible inside their windows and OR-Tools adds the rest; reproducible runs stay on OR-Tools."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from routing import Problem, SameStart, SolveParams, check, pyvrp_engine, solve
from routing.on_time import RESERVE_PER_S
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


def test_home_care_days_put_visits_in_their_window_first() -> None:
    """Kari starts at 08:00; stell (60 min) is agreed for 08:00, medisin (40 min) by 08:10, lunsj (20 min)
    by 09:30. Least total lateness is medisin, stell, lunsj (50 min late in all, one visit on time); on time
    first puts two visits on time (medisin, lunsj, stell or stell, lunsj, medisin)."""
    problem = Problem(
        {"car": line_matrix(2, step=0)},
        (visit("lunsj", 1, 8, 9.5, 20), visit("stell", 1, 8, 8, 60), visit("medisin", 1, 8, 8 + 10 / 60, 40)),
        (carer("kari", 8, 15),),
    )
    plan = solve(problem, SolveParams(time_limit_s=1))
    assert check(problem, plan).feasible and plan.unassigned == ()
    assert plan.stats.engine.startswith("pyvrp-on-time")
    assert sum(s.lateness == 0 for s in plan.routes[0].stops) == 2
    reproducible = solve(problem, SolveParams(time_limit_s=1, max_solutions=50))
    assert check(problem, reproducible).feasible
    assert sum(s.lateness == 0 for s in reproducible.routes[0].stops) == 1  # OR-Tools weighs minutes late


def test_links_stay_with_ortools_and_the_pair_search() -> None:
    soft = Problem({"car": line_matrix(3)}, (visit("a", 1, 8, 9), visit("b", 2, 8, 9)), (carer("kari"),))
    assert not pyvrp_engine.qualifies(soft)  # agreed windows are soft: no plain VRPTW warm start
    linked = Problem(
        {"car": line_matrix(3)},
        (visit("a", 1, 8, 9), visit("b", 1, 8, 9)),
        (carer("kari"), carer("per")),
        (SameStart("a", "b"),),
    )
    assert not pyvrp_engine.qualifies(linked)
    on_time_first = solve(linked, SolveParams(time_limit_s=0.5))
    assert on_time_first.stats.engine.startswith("pyvrp-on-time+ortools")
    assert check(linked, on_time_first).feasible and on_time_first.unassigned == ()
    reproducible = SolveParams(time_limit_s=0.5, max_solutions=100)
    assert solve(linked, reproducible).stats.engine == "ortools-fix-and-optimise+lns"
    without_lns = replace(reproducible, lns_share=0)
    assert solve(linked, without_lns).stats.engine == "ortools-fix-and-optimise"
    assert solve(linked, replace(without_lns, link_strategy="direct")).stats.engine == "ortools"
    assert solve(_vrptw(), SolveParams(time_limit_s=1, engine="ortools")).stats.engine == "ortools"


def test_a_double_staffed_visit_and_full_mornings_are_all_on_time() -> None:
    """Kari and Per work 08:00-10:30 with three morning visits each agreed 08-10 and a double-staffed lift
    08-09 that needs both: the lift starts together and on time, and so does every other visit around it;
    the plan passes the validator."""
    singles = tuple(visit(f"{who}{i}", i + 1, 8, 10, 25) for who in ("k", "p") for i in range(3))
    lift = (visit("løft_a", 4, 8, 9, 30), visit("løft_b", 4, 8, 9, 30))
    problem = Problem(
        {"car": line_matrix(6, step=2 * 60)},
        singles + lift,
        (carer("kari", 8, 10.5), carer("per", 8, 10.5)),
        (SameStart("løft_a", "løft_b"),),
    )
    plan = solve(problem, SolveParams(time_limit_s=2))
    assert check(problem, plan).feasible and plan.unassigned == ()
    starts = {s.visit_id: s for r in plan.routes for s in r.stops}
    assert starts["løft_a"].start == starts["løft_b"].start
    assert all(s.lateness == 0 for s in starts.values())


def test_visits_added_around_an_on_time_visit_leave_it_its_reserve() -> None:
    """Kari works from 08:00. Frokost (30 min) is held inside its agreed window 08:00-09:00, as the on-time
    stage holds every visit it placed on time; vask (50 min, any time until 12:00) is added around it.
    Vask first drives 2 minutes less, but frokost then starts at 08:52, 7 minutes into the 15-minute
    reserve before its agreed end, where a vask that runs long makes it late on the day. Priced as the
    on-time stage prices it (reserve_per_second), frokost comes first; unpriced, vask does."""
    from routing import Carer, TimeWindow, Visit
    from routing.ortools_model import solve_with_ortools
    from tests.routing.builders import M, as_plan

    travel = np.array([[0, 60, 120, 999], [60, 0, 60, 120], [120, 60, 0, 60], [999, 120, 60, 0]])
    problem = Problem(
        {"car": travel.astype(np.int64)},
        (
            Visit("frokost", 2, 30 * M, (TimeWindow(8 * H, 9 * H),), soft_end=9 * H),
            Visit("vask", 1, 50 * M, (TimeWindow(8 * H, 12 * H),), soft_end=12 * H),
        ),
        (Carer("kari", 0, 3, 8 * H, 15 * H),),
    )
    orders: dict[int, list[str]] = {}
    for price in (0, RESERVE_PER_S):
        routes, dropped, _ = solve_with_ortools(
            problem, SolveParams(time_limit_s=1, reserve_per_second=price)
        )
        assert check(problem, as_plan(routes, dropped, problem)).feasible and not dropped
        orders[price] = [s.visit_id for s in routes[0].stops]
        frokost = next(s for s in routes[0].stops if s.visit_id == "frokost")
        assert frokost.start <= 9 * H
    assert orders[0] == ["vask", "frokost"]
    assert orders[RESERVE_PER_S] == ["frokost", "vask"]
