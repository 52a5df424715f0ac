"""The on-time repair pass: a visit left late or out goes inside its agreed window by moving one other visit
out of its way.

The searches before it move one visit at a time, and their last plan can hold a visit on a carer who is the
only one able to start a waiting visit on time (a nurse doing a helper's visit at 08:10 while a nurse task
agreed 08:00-10:00 starts at 10:50). Putting the waiting visit there first costs the plan a visit on time,
so no single move gains. This pass tries the pair of moves (an ejection chain of length one, Glover 1996):
the waiting visit into a route on time, with at most one of that route's visits taken out and put on time
into another carer's route. A move is kept only when the plan has more visits on time and the objective
every engine and routing.check share is no worse (fewer minutes late pay for the detour), the others
keeping their hard windows, their linked starts and the break where it is (routing.insertion).
"""

from __future__ import annotations

import time

from routing.balance import waiting_visits
from routing.insertion import placements, without_visit
from routing.objective import rank
from routing.on_time import linked_ids
from routing.params import SolveParams
from routing.plan import Route, on_time_count
from routing.problem import Problem, Visit


def repair_on_time(
    problem: Problem, routes: list[Route], dropped: list[int], params: SolveParams, deadline: float
) -> tuple[list[Route], list[int]]:
    """The plan with waiting visits (late or left out, not linked) moved on time where one ejected visit
    makes room, each move adding a visit on time at no cost to the objective; stops at `deadline`
    (time.monotonic)."""
    linked = linked_ids(problem)
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        target = on_time_count(routes) + 1
        best = rank(problem, routes, dropped, params)
        for visit in waiting_visits(problem, routes, dropped):
            if time.monotonic() >= deadline:
                break
            rest = without_visit(problem, routes, visit, linked)
            moved = None if rest is None else _placed(problem, rest, visit, target, linked, deadline)
            index = problem.visit_index[visit.id]
            left = [v for v in dropped if v != index]
            if moved is not None and rank(problem, moved, left, params) <= best:
                routes, dropped, improved = moved, left, True
                break
    return routes, dropped


def _placed(
    problem: Problem, routes: list[Route], visit: Visit, target: int, linked: set[str], deadline: float
) -> list[Route] | None:
    """Routes with `visit` put in and at least `target` visits on time: inserted where it fits, else in place
    of one on-time visit of the same route that then goes on time into another route."""
    direct = _inserted(problem, routes, visit, target, linked, exclude=-1)
    if direct is not None:
        return direct
    for k, route in enumerate(routes):
        if time.monotonic() >= deadline or not _may_take(problem, route, visit):
            continue
        carer = problem.carers[problem.carer_index[route.carer_id]]
        for stop in route.stops:
            if stop.visit_id in linked or stop.lateness > 0:
                continue
            ejected = problem.visits[problem.visit_index[stop.visit_id]]
            shrunk = without_visit(problem, [route], ejected, linked)
            if shrunk is None:
                continue
            for position, timed in placements(problem, carer, shrunk[0], visit, linked):
                if timed.stops[position].lateness > 0:
                    continue
                between = [*routes[:k], timed, *routes[k + 1 :]]
                if on_time_count(between) < target - 1:
                    continue
                found = _inserted(problem, between, ejected, target, linked, exclude=k)
                if found is not None:
                    return found
    return None


def _inserted(
    problem: Problem, routes: list[Route], visit: Visit, target: int, linked: set[str], exclude: int
) -> list[Route] | None:
    """The first insertion of `visit` into a route other than `exclude` that leaves `target` visits on time."""
    for k, route in enumerate(routes):
        if k == exclude or not _may_take(problem, route, visit):
            continue
        carer = problem.carers[problem.carer_index[route.carer_id]]
        for _, timed in placements(problem, carer, route, visit, linked):
            candidate = [*routes[:k], timed, *routes[k + 1 :]]
            if on_time_count(candidate) >= target:
                return candidate
    return None


def _may_take(problem: Problem, route: Route, visit: Visit) -> bool:
    """The route's carer may do the visit and the route has its breaks placed (insertion keeps them)."""
    carer = problem.carers[problem.carer_index[route.carer_id]]
    return problem.may_serve(carer, visit) and len(route.break_starts) == len(carer.breaks)
