"""Where one more visit still fits into a finished plan without pushing any other visit out of its windows.

The coordinator console uses it to suggest alternative agreed windows for visits the plan could not meet:
a suggested window is one this function finds an insertion for (and `check` then accepts).
Visits that take part in links keep their planned start, so a double-staffed pair is never pulled apart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from routing.plan import Plan, Route, Stop
from routing.problem import Carer, Problem, Visit


@dataclass(frozen=True)
class Insertion:
    carer_id: str
    position: int
    route: Route
    added_travel: int


def _after_breaks(start: int, duration: int, breaks: list[tuple[int, int]]) -> int:
    for begin, end in breaks:
        if start < end and start + duration > begin:
            start = end
    return start


def timed_route(
    problem: Problem,
    carer: Carer,
    route: Route,
    sequence: list[Visit],
    linked: dict[str, int],
    *,
    strict: bool = True,
) -> Route | None:
    """The route's stops at their earliest times in the given order, the break kept where it is and
    linked visits at their planned start. Strict: None when something no longer fits (a window closed, a
    linked start missed, back after the shift). Not strict (a coordinator's hand edit): the times as they
    would fall, for `routing.check` to judge and name what breaks."""
    breaks = [(begin, begin + b.duration) for begin, b in zip(route.break_starts, carer.breaks, strict=False)]
    clock, place, travel = route.start_time, carer.start_location, 0
    stops = []
    for visit in sequence:
        leg = problem.travel(carer.profile, place, visit.location)
        arrival = clock + leg
        start = visit.start_from(arrival)
        if start is None:
            if strict:
                return None
            start = arrival
        start = _after_breaks(start, visit.duration, breaks)
        if visit.id in linked:
            if start > linked[visit.id] and strict:
                return None
            start = max(start, linked[visit.id])
        if visit.start_from(start) != start and strict:
            return None
        late = max(0, start - visit.soft_end) if visit.soft_end is not None else 0
        stops.append(Stop(visit.id, arrival, start, start + visit.duration, start - arrival, late))
        travel += leg
        clock, place = start + visit.duration, visit.location
    back = problem.travel(carer.profile, place, carer.end_location)
    finish = _after_breaks(clock, 0, breaks) + back
    if finish > carer.shift_end and strict:
        return None
    return replace(route, stops=tuple(stops), end_time=finish, travel_time=travel + back)


def insertions(problem: Problem, plan: Plan, visit: Visit) -> list[Insertion]:
    """Every feasible place for `visit` (a visit not in the plan), the least added travel first: what a
    coordinator is offered when putting an unassigned visit in by hand. Linked visits have none here
    (their partner's time decides; the optimiser places them)."""
    if any(visit.id in (link.first, link.second) for link in problem.links):
        return []
    linked_ids = {vid for link in problem.links for vid in (link.first, link.second)}
    found: list[Insertion] = []
    for route in plan.routes:
        carer = problem.carers[problem.carer_index[route.carer_id]]
        if not problem.may_serve(carer, visit):
            continue
        for position, timed in placements(problem, carer, route, visit, linked_ids):
            found.append(Insertion(carer.id, position, timed, timed.travel_time - route.travel_time))
    return sorted(found, key=lambda i: (i.added_travel, i.carer_id, i.position))


def placements(
    problem: Problem, carer: Carer, route: Route, visit: Visit, linked_ids: set[str]
) -> list[tuple[int, Route]]:
    """Each position in the carer's route where `visit` fits (`timed_route`, strict), with the route it
    makes; the linked visits there keep their starts."""
    current = [problem.visits[problem.visit_index[s.visit_id]] for s in route.stops]
    linked = {s.visit_id: s.start for s in route.stops if s.visit_id in linked_ids}
    found = []
    for position in range(len(current) + 1):
        timed = timed_route(problem, carer, route, [*current[:position], visit, *current[position:]], linked)
        if timed is not None:
            found.append((position, timed))
    return found


def without_visit(
    problem: Problem, routes: list[Route], visit: Visit, linked: set[str]
) -> list[Route] | None:
    """The routes with `visit` taken out of its route (re-timed, linked visits at their starts); None when
    the rest would not fit."""
    result = []
    for route in routes:
        if all(s.visit_id != visit.id for s in route.stops):
            result.append(route)
            continue
        carer = problem.carers[problem.carer_index[route.carer_id]]
        rest = [
            problem.visits[problem.visit_index[s.visit_id]] for s in route.stops if s.visit_id != visit.id
        ]
        starts = {s.visit_id: s.start for s in route.stops if s.visit_id in linked}
        timed = timed_route(problem, carer, route, rest, starts)
        if timed is None:
            return None
        result.append(timed)
    return result


def cheapest_insertion(problem: Problem, plan: Plan, visit: Visit) -> Insertion | None:
    """The feasible insertion of `visit` (a visit not in the plan) that adds the least travel."""
    return next(iter(insertions(problem, plan, visit)), None)
