"""The objective breakdown of a plan: one definition for every engine, the baseline and the strategies."""

from __future__ import annotations

from collections.abc import Sequence

from routing import balance
from routing.params import SolveParams
from routing.plan import Objective, Route
from routing.problem import Problem


def rank(
    problem: Problem, routes: Sequence[Route], dropped: Sequence[int], params: SolveParams
) -> tuple[int, int]:
    """How a pass compares plans: mandatory visits left out, then the weighted objective."""
    objective = objective_of(problem, routes, dropped, params)
    return objective.dropped_mandatory, objective.weighted_total


def objective_of(
    problem: Problem, routes: Sequence[Route], dropped: Sequence[int], params: SolveParams
) -> Objective:
    """The breakdown of what the solver optimised, from the routes it returned."""
    w = params.weights
    lateness = [s.lateness for r in routes for s in r.stops]
    misses = 0
    for route in routes:
        for stop in route.stops:
            preferred = problem.visits[problem.visit_index[stop.visit_id]].preferred_carers
            misses += int(bool(preferred) and route.carer_id not in preferred)
    dropped_mandatory = sum(1 for v in dropped if problem.visits[v].mandatory)
    dropped_optional = len(dropped) - dropped_mandatory
    weighted_lateness = sum(
        s.lateness * w.lateness_per_second * problem.visits[problem.visit_index[s.visit_id]].lateness_weight
        for r in routes
        for s in r.stops
    )
    travel = sum(r.travel_time for r in routes)
    off_anchor = sum(
        problem.visits[problem.visit_index[s.visit_id]].off_anchor(s.start, w.anchor_tolerance)
        for r in routes
        for s in r.stops
    )
    idle = balance.idle_carers(problem, routes, dropped)
    weighted = (
        weighted_lateness
        + max(lateness, default=0) * w.max_lateness_per_second
        + travel * w.travel_per_second
        + misses * w.continuity_miss
        + off_anchor * w.anchor_per_second
        + dropped_mandatory * w.mandatory_drop
        + sum(problem.visits[v].drop_penalty for v in dropped if not problem.visits[v].mandatory)
        + idle * w.idle_carer
    )
    return Objective(
        sum(lateness),
        max(lateness, default=0),
        travel,
        misses,
        dropped_mandatory,
        dropped_optional,
        weighted,
        off_anchor,
        idle,
    )
