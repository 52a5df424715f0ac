"""routing.solve: the public entry point of the optimisation core."""

from __future__ import annotations

import time
from dataclasses import replace

from routing import lns, pyvrp_engine
from routing.explain import explain_unassigned
from routing.linked import solve_linked
from routing.objective import objective_of
from routing.ortools_model import solve_with_ortools
from routing.params import SolveParams
from routing.plan import Plan, Route
from routing.problem import Problem

PYVRP_SHARE = 0.9
LNS_MARGIN_S = 0.3


def solve(problem: Problem, params: SolveParams | None = None) -> Plan:
    """Plan the day: routes of timed stops, every unserved visit explained, the objective broken down.

    Pure VRPTW problems (benchmarks, not real home-care days) first get routes from PyVRP, which OR-Tools
    then improves; everything else goes to OR-Tools directly. Problems with linked visits (or a weight on the
    worst lateness) then go to the pair-aware search (routing.lns) for the rest of the time. Deterministic
    runs (max_solutions) skip PyVRP and give the pair-aware search a fixed number of iterations.
    """
    params = params or SolveParams()
    began = time.monotonic()
    engine = "ortools"
    pair_search = params.lns_share > 0 and lns.qualifies(problem, params.weights)
    ortools_params = params
    if pair_search:
        ortools_params = replace(params, time_limit_s=params.time_limit_s * (1 - params.lns_share))
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
            ortools_params = replace(params, initial_routes=warm, time_limit_s=remaining)
    if params.link_strategy == "fix_and_optimise" and problem.links and params.initial_routes is None:
        engine = "ortools-fix-and-optimise"
        routes, dropped, stats = solve_linked(problem, ortools_params)
    else:
        routes, dropped, stats = solve_with_ortools(problem, ortools_params)
    if pair_search:
        margin = min(LNS_MARGIN_S, 0.1 * params.time_limit_s)
        remaining = params.time_limit_s - (time.monotonic() - began) - margin
        improved = _pair_search(problem, params, routes, dropped, remaining)
        if improved is not None:
            routes, dropped = improved
            engine += "+lns"
    stats = replace(stats, wall_time_s=time.monotonic() - began, engine=engine)
    dropped_set = set(dropped)
    unassigned = tuple(explain_unassigned(problem, v, dropped_set) for v in sorted(dropped))
    return Plan(
        routes=tuple(routes),
        unassigned=unassigned,
        objective=objective_of(problem, routes, dropped, params),
        stats=stats,
        weights=params.weights,
    )


def _pair_search(
    problem: Problem, params: SolveParams, routes: list[Route], dropped: list[int], seconds: float
) -> tuple[list[Route], list[int]] | None:
    """The pair-aware search's plan if it is better (fewer mandatory visits left out, then cheaper)."""
    if seconds <= 0.05:
        return None
    start = {r.carer_id: tuple(s.visit_id for s in r.stops) for r in routes}
    found = lns.improve(
        problem,
        start,
        params.weights,
        seed=params.seed,
        time_limit_s=seconds,
        max_iterations=params.lns_iterations if params.max_solutions is not None else None,
    )
    timed = lns.schedule(problem, found, params.weights) if found is not None else None
    if timed is None:
        return None

    def rank(candidate: tuple[list[Route], list[int]]) -> tuple[int, int]:
        objective = objective_of(problem, candidate[0], candidate[1], params)
        return objective.dropped_mandatory, objective.weighted_total

    return timed if rank(timed) <= rank((routes, dropped)) else None
