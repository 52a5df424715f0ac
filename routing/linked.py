"""Fix-and-optimise for problems with many linked visits (double staffing, sequential services).

OR-Tools' local search moves one visit at a time, and a visit tied to another carer's visit by an exact
start can rarely move alone, so the direct model gets stuck in its first, late solution. Three phases
work better:

1. solve without the links (every visit free to find its place);
2. fix each linked visit's start where both partners can meet (the later of two simultaneous starts;
   gaps of sequential services pushed into their bounds) and solve again, the links now satisfied by
   the fixed times; a double-staffed pair that phase 1 gave to one carer stays free (but linked), and
   pairs a fixed time could not fit are freed and the phase is built again;
3. start the full model (links, no fixed times) from that feasible plan and let it improve.

Any phase that finds nothing hands over to the direct model, so the result is never worse than failing.
"""

from __future__ import annotations

import time
from dataclasses import replace

from routing.objective import objective_of
from routing.ortools_model import solve_with_ortools
from routing.params import SolveParams
from routing.plan import Route, SolverStats
from routing.problem import Precedence, Problem, SameStart

RELAXED_SHARE = 0.55  # most of the gain comes from a good unlinked plan (measured on Mankowska 100_1)
FIXED_SHARE = 0.25


def _starts(routes: list[Route]) -> dict[str, int]:
    return {stop.visit_id: stop.start for route in routes for stop in route.stops}


def _meeting_times(problem: Problem, routes: list[Route]) -> dict[str, int]:
    """Start times that satisfy every link between two served visits (not for a pair on one carer)."""
    starts = _starts(routes)
    carer_of = {stop.visit_id: route.carer_id for route in routes for stop in route.stops}
    fixed: dict[str, int] = {}
    for link in problem.links:
        a, b = starts.get(link.first), starts.get(link.second)
        if a is None or b is None:
            continue
        if isinstance(link, SameStart):
            if carer_of[link.first] == carer_of[link.second]:
                continue
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

    unlinked = Problem(problem.matrices, problem.visits, problem.carers, ())
    routes, _, _ = solve_with_ortools(
        unlinked, replace(params, time_limit_s=params.time_limit_s * RELAXED_SHARE)
    )
    fixed = {vid: t for vid, t in _meeting_times(problem, routes).items() if _fits(problem, vid, t)}
    budget = min(params.time_limit_s * FIXED_SHARE, remaining() - 0.2)
    fixed_result = solve_with_ortools(_pinned(problem, fixed), replace(params, time_limit_s=max(budget, 0.1)))
    if not fixed_result[0] or any(problem.visits[v].mandatory for v in fixed_result[1]):
        # A fixed meeting time did not fit: free the pairs left unserved (still linked) and build again.
        unserved = {problem.visits[v].id for v in fixed_result[1]}
        partners = {
            vid
            for link in problem.links
            if {link.first, link.second} & unserved
            for vid in (link.first, link.second)
        }
        kept = {vid: t for vid, t in fixed.items() if vid not in partners}
        retry = solve_with_ortools(
            _pinned(problem, kept), replace(params, time_limit_s=max(remaining() * 0.7, 0.1))
        )
        fixed_result = _better(problem, params, retry, fixed_result) if retry[0] else fixed_result
    routes = fixed_result[0]
    if not routes:
        return solve_with_ortools(problem, replace(params, time_limit_s=max(remaining(), 0.1)))
    final = replace(params, initial_routes=_routes_of(routes), time_limit_s=max(remaining(), 0.1))
    improved = solve_with_ortools(problem, final)
    return _better(problem, params, improved, fixed_result) if improved[0] else fixed_result


def _pinned(problem: Problem, fixed: dict[str, int]) -> Problem:
    """The problem with the given visits' starts fixed (visits already fixed by the caller stay so)."""
    visits = tuple(
        replace(v, fixed_start=fixed[v.id]) if v.id in fixed and v.fixed_start is None else v
        for v in problem.visits
    )
    return Problem(problem.matrices, visits, problem.carers, problem.links)


Result = tuple[list[Route], list[int], SolverStats]


def _better(problem: Problem, params: SolveParams, a: Result, b: Result) -> Result:
    """Fewer unserved mandatory visits first, then the lower weighted objective."""

    def rank(result: Result) -> tuple[int, int]:
        objective = objective_of(problem, result[0], result[1], params)
        return objective.dropped_mandatory, objective.weighted_total

    return a if rank(a) <= rank(b) else b
