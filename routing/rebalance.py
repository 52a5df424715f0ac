"""The balance pass: no carer left without visits while a visit they could start on time waits.

A search ends where its neighbourhoods do, and may leave a carer without visits (routing.balance) while
visits wait, late or left out. This pass tries every place in the routes of the carers who had no visits
for each waiting visit and keeps the move that improves the objective most: mandatory visits left out,
then the weighted total (which counts each idle carer at `Weights.idle_carer`, and lateness at ten times
travel), so the pass never makes a plan worse by the objective every engine and routing.check share.
"""

from __future__ import annotations

from routing.balance import waiting_visits
from routing.insertion import placements, without_visit
from routing.objective import rank
from routing.on_time import linked_ids
from routing.params import SolveParams
from routing.plan import Route
from routing.problem import Problem, Visit


def rebalance(
    problem: Problem, routes: list[Route], dropped: list[int], params: SolveParams
) -> tuple[list[Route], list[int]]:
    """Each waiting visit moved, on time, to a carer who had no visits, if the objective gains (`objective.rank`);
    the routes it leaves keep their order, at their earliest starts. (Tried: moves into any route's gaps
    as well; on the lier day no more visits on time, 2-5 % more travel.)"""
    linked = linked_ids(problem)
    routed = {route.carer_id for route in routes}
    routes = routes + [  # carers the search gave no route at all (none when they have a break to place)
        Route(c.id, (), c.shift_start, c.shift_start, 0)
        for c in problem.carers
        if c.id not in routed and not c.breaks
    ]
    idle = {route.carer_id for route in routes if not route.stops}
    for visit in waiting_visits(problem, routes, dropped) if idle else []:
        best = rank(problem, routes, dropped, params)
        moved: tuple[list[Route], list[int]] | None = None
        for candidate in _moves(problem, routes, dropped, visit, linked, idle):
            ranked = rank(problem, *candidate, params)
            if ranked < best:
                best, moved = ranked, candidate
        if moved is not None:
            routes, dropped = moved
    return [r for r in routes if r.stops or r.carer_id in routed], dropped


def _moves(
    problem: Problem, routes: list[Route], dropped: list[int], visit: Visit, linked: set[str], idle: set[str]
) -> list[tuple[list[Route], list[int]]]:
    """Every plan with `visit` taken from where it is and put on time into the route of a carer who had
    no visits."""
    index = problem.visit_index[visit.id]
    without = without_visit(problem, routes, visit, linked)
    if without is None:
        return []
    found = []
    for k, route in enumerate(without):
        carer = problem.carers[problem.carer_index[route.carer_id]]
        if route.carer_id not in idle or not problem.may_serve(carer, visit):
            continue
        if len(route.break_starts) != len(carer.breaks):
            continue
        for position, timed in placements(problem, carer, route, visit, linked):
            if timed.stops[position].lateness == 0:
                found.append(([*without[:k], timed, *without[k + 1 :]], [v for v in dropped if v != index]))
    return found
