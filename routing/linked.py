"""Fix-and-optimise for problems with many linked visits (double staffing, sequential services).

OR-Tools' local search moves one visit at a time, and a visit tied to another carer's visit by an exact
start can rarely move alone, so the direct model gets stuck in its first, late solution. Three phases
work better:

1. solve without the timing of the links (every visit free to find its place; the two halves of a
   double-staffed visit still go to two different carers);
2. fix each linked visit's start where both partners can meet (the later of two simultaneous starts;
   gaps of sequential services pushed into their bounds) and solve again, the links now satisfied by
   the fixed times;
3. start the full model (links, no fixed times) from that feasible plan and let it improve.

Any phase that finds nothing hands over to the direct model, so the result is never worse than failing.
"""

from __future__ import annotations

import time
from dataclasses import replace

from routing.ortools_model import objective_of, solve_with_ortools
from routing.params import SolveParams
from routing.plan import Route, SolverStats
from routing.problem import Precedence, Problem, SameStart

RELAXED_SHARE = 0.6  # most of the gain comes from a good unlinked plan (measured on Mankowska 100_1)
FIXED_SHARE = 0.3


def _starts(routes: list[Route]) -> dict[str, int]:
    return {stop.visit_id: stop.start for route in routes for stop in route.stops}


def _meeting_times(problem: Problem, starts: dict[str, int]) -> dict[str, int]:
    """Start times that satisfy every link between two served visits."""
    fixed: dict[str, int] = {}
    for link in problem.links:
        a, b = starts.get(link.first), starts.get(link.second)
        if a is None or b is None:
            continue
        if isinstance(link, SameStart):
            fixed[link.first] = fixed[link.second] = max(a, b)
        elif isinstance(link, Precedence):
            b = max(b, a + link.min_gap)
            if link.max_gap is not None and b > a + link.max_gap:
                a = b - link.max_gap
            fixed[link.first], fixed[link.second] = a, b
    return fixed


def _fits(problem: Problem, visit_id: str, t: int) -> bool:
    return any(w.contains(t) for w in problem.visits[problem.visit_index[visit_id]].windows)


def _routes_of(routes: list[Route]) -> dict[str, tuple[str, ...]]:
    return {r.carer_id: tuple(s.visit_id for s in r.stops) for r in routes}


def solve_linked(problem: Problem, params: SolveParams) -> tuple[list[Route], list[int], SolverStats]:
    began = time.monotonic()

    def remaining() -> float:
        return params.time_limit_s - (time.monotonic() - began)

    routes, _, _ = solve_with_ortools(
        problem, replace(params, time_limit_s=params.time_limit_s * RELAXED_SHARE), relax_links=True
    )
    fixed = {vid: t for vid, t in _meeting_times(problem, _starts(routes)).items() if _fits(problem, vid, t)}
    pinned = Problem(
        problem.matrices,
        tuple(
            replace(v, fixed_start=fixed[v.id]) if v.id in fixed and v.fixed_start is None else v
            for v in problem.visits
        ),
        problem.carers,
        problem.links,
    )
    budget = min(params.time_limit_s * FIXED_SHARE, remaining() - 0.2)
    fixed_result = solve_with_ortools(pinned, replace(params, time_limit_s=max(budget, 0.1)))
    routes, dropped, _ = fixed_result
    if not routes or any(problem.visits[v].mandatory for v in dropped):
        # A fixed meeting time did not fit; the direct model may still serve every visit.
        direct = solve_with_ortools(problem, replace(params, time_limit_s=max(remaining(), 0.1)))
        return _better(problem, params, direct, fixed_result) if routes else direct
    final = replace(params, initial_routes=_routes_of(routes), time_limit_s=max(remaining(), 0.1))
    improved = solve_with_ortools(problem, final)
    return _better(problem, params, improved, fixed_result) if improved[0] else fixed_result


Result = tuple[list[Route], list[int], SolverStats]


def _better(problem: Problem, params: SolveParams, a: Result, b: Result) -> Result:
    """Fewer unserved mandatory visits first, then the lower weighted objective."""

    def rank(result: Result) -> tuple[int, int]:
        objective = objective_of(problem, result[0], result[1], params)
        return objective.dropped_mandatory, objective.weighted_total

    return a if rank(a) <= rank(b) else b
