"""routing.solve: the public entry point of the optimisation core."""

from __future__ import annotations

import time
from dataclasses import replace

from routing import pyvrp_engine
from routing.explain import explain_unassigned
from routing.linked import solve_linked
from routing.ortools_model import objective_of, solve_with_ortools
from routing.params import SolveParams
from routing.plan import Plan
from routing.problem import Problem

PYVRP_SHARE = 0.9


def solve(problem: Problem, params: SolveParams | None = None) -> Plan:
    """Plan the day: routes of timed stops, every unserved visit explained, the objective broken down.

    Pure VRPTW problems (benchmarks, not real home-care days) first get routes from PyVRP, which OR-Tools
    then improves; everything else goes to OR-Tools directly. Deterministic runs (max_solutions) skip PyVRP.
    """
    params = params or SolveParams()
    began = time.monotonic()
    engine = "ortools"
    if (
        params.engine == "auto"
        and params.initial_routes is None
        and params.max_solutions is None
        and pyvrp_engine.qualifies(problem)
    ):
        warm = pyvrp_engine.initial_routes(problem, params.time_limit_s * PYVRP_SHARE, params.seed)
        if warm is not None:
            engine = "pyvrp+ortools"
            remaining = max(params.time_limit_s - (time.monotonic() - began), 0.2)
            params = replace(params, initial_routes=warm, time_limit_s=remaining)
    if params.link_strategy == "fix_and_optimise" and problem.links and params.initial_routes is None:
        engine = "ortools-fix-and-optimise"
        routes, dropped, stats = solve_linked(problem, params)
    else:
        routes, dropped, stats = solve_with_ortools(problem, params)
    stats = replace(stats, wall_time_s=time.monotonic() - began, engine=engine)
    dropped_set = set(dropped)
    unassigned = tuple(explain_unassigned(problem, v, dropped_set) for v in sorted(dropped))
    return Plan(
        routes=tuple(routes),
        unassigned=unassigned,
        objective=objective_of(problem, routes, dropped, params),
        stats=stats,
    )
