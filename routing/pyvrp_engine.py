"""PyVRP as a warm start for pure VRPTW problems (the only module that imports PyVRP).

Only problems without anything home-care specific qualify: one travel profile, every carer starting and
ending at the same place within the same shift, one hard window per visit, no soft ends, competences,
pins, preferences, breaks or links. For those PyVRP's hybrid genetic search finds far better routes than
OR-Tools' local search in the same time; OR-Tools then starts from them, so `solve` and `check` stay the
same for every problem.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyvrp
from pyvrp.stop import MaxRuntime

from routing.problem import Problem


def qualifies(problem: Problem) -> bool:
    carers, visits = problem.carers, problem.visits
    if not carers or not visits or problem.links or len({c.profile for c in carers}) != 1:
        return False
    first = carers[0]
    same_fleet = all(
        (c.start_location, c.end_location, c.shift_start, c.shift_end, c.capacity, c.competences)
        == (
            first.start_location,
            first.end_location,
            first.shift_start,
            first.shift_end,
            first.capacity,
            first.competences,
        )
        and not c.breaks
        and c.max_working_time is None
        for c in carers
    )
    plain_visits = all(
        len(v.windows) == 1
        and v.soft_end is None
        and not v.competences
        and v.mandatory
        and not v.forbidden_carers
        and not v.preferred_carers
        and v.pinned_carer is None
        and v.fixed_start is None
        for v in visits
    )
    return same_fleet and plain_visits


def initial_routes(problem: Problem, seconds: float, seed: int) -> Mapping[str, tuple[str, ...]] | None:
    """Routes per carer id from PyVRP, or None when it found no feasible solution in time."""
    carer = problem.carers[0]
    matrix = problem.matrices[carer.profile]
    used = sorted({carer.start_location, *(v.location for v in problem.visits)})
    model = pyvrp.Model()
    locations = {loc: model.add_location(0.0, 0.0, name=str(loc)) for loc in used}
    depot = model.add_depot(
        locations[carer.start_location], tw_early=carer.shift_start, tw_late=carer.shift_end
    )
    for v in problem.visits:
        model.add_client(
            locations[v.location],
            delivery=[v.demand],
            service_duration=v.duration,
            tw_early=v.windows[0].start,
            tw_late=v.windows[0].end,
            name=v.id,
        )
    model.add_vehicle_type(
        num_available=len(problem.carers),
        capacity=[carer.capacity if carer.capacity is not None else sum(v.demand for v in problem.visits)],
        start_depot=depot,
        end_depot=depot,
        tw_early=carer.shift_start,
        tw_late=carer.shift_end,
    )
    for a in used:
        for b in used:
            if a == b:
                continue
            travel = int(matrix[a, b])
            model.add_edge(locations[a], locations[b], distance=travel, duration=travel)
    result = model.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    if not result.is_feasible():
        return None
    names = [client.name for client in model.data().clients()]
    routes: dict[str, tuple[str, ...]] = {}
    for carer_obj, route in zip(problem.carers, result.best.routes(), strict=False):
        routes[carer_obj.id] = tuple(names[activity.idx] for activity in route if activity.is_client())
    return routes
