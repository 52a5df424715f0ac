"""PyVRP as a warm start for pure VRPTW problems (the only module that imports PyVRP).

Only problems without anything home-care specific qualify: one travel profile, every carer starting and
ending at the same place within the same shift, one hard window per visit, no soft ends, competences,
pins, preferences, breaks or links. For those PyVRP's hybrid genetic search finds far better routes than
OR-Tools' local search in the same time; OR-Tools then starts from them, so `solve` and `check` stay the
same for every problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
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


# ---- on time first: prize-collecting over the agreed windows (any home-care day) --------------------

ON_TIME_PRIZE = 1_000_000  # one more visit on time outweighs any travel and continuity a route can save
UNREACHABLE = 10**8  # travel time on arcs a carer may not take (another carer's break, a visit not theirs)


def _carer_matrices(
    problem: Problem,
    places: np.ndarray,
    clients: Sequence[int],
    k: int,
    continuity_miss: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Carer k's (cost, duration) matrices over depots, client copies and break places."""
    carer = problem.carers[k]
    n_real = len(places)
    size = n_real + len(problem.carers)
    duration = np.full((size, size), UNREACHABLE, dtype=np.int64)
    duration[:n_real, :n_real] = problem.matrices[carer.profile][np.ix_(places, places)]
    first_client = n_real - len(clients)
    cost = duration.copy()
    for j, v in enumerate(clients):
        visit = problem.visits[v]
        column = first_client + j
        if not problem.may_serve(carer, visit):
            duration[:, column] = cost[:, column] = UNREACHABLE
        elif visit.preferred_carers and carer.id not in visit.preferred_carers:
            cost[:n_real, column] += continuity_miss
    own_break = n_real + k
    shortest_in = np.where(np.eye(n_real, dtype=bool), UNREACHABLE, duration[:n_real, :n_real]).min(axis=0)
    duration[:n_real, own_break] = cost[:n_real, own_break] = 0
    duration[own_break, :n_real] = cost[own_break, :n_real] = np.minimum(shortest_in, UNREACHABLE)
    np.fill_diagonal(duration, 0)
    np.fill_diagonal(cost, 0)
    return cost, duration


def _visit_clients(
    problem: Problem,
    candidates: Sequence[int],
    windows: Mapping[int, tuple[int, int]],
    required: set[int],
    first_place: int,
    bands: Mapping[int, tuple[int, int]],
    band_bonus: int,
    wide: Mapping[int, tuple[int, int]],
    reserve_bonus: int,
) -> tuple[list[pyvrp.Client], list[pyvrp.ClientGroup]]:
    """The candidates as PyVRP clients (prize-collecting; a visit with a wider window or a band as mutually
    exclusive copies, the narrower worth more)."""
    clients: list[pyvrp.Client] = []
    groups: list[pyvrp.ClientGroup] = []
    for j, v in enumerate(candidates):
        visit = problem.visits[v]
        prize = 0 if v in required else ON_TIME_PRIZE * max(1, visit.lateness_weight)
        offers = [(windows[v], prize + reserve_bonus * (v in wide))]
        if v in wide:
            offers.append((wide[v], prize))
        if v in bands:
            offers.append((bands[v], offers[0][1] + band_bonus))
        group = len(groups) if len(offers) > 1 else None
        for (early, late), worth in offers:
            clients.append(
                pyvrp.Client(
                    location=first_place + j,
                    service_duration=visit.duration,
                    tw_early=early,
                    tw_late=late,
                    prize=worth,
                    required=v in required and group is None,
                    group=group,
                    name=visit.id,
                )
            )
        if group is not None:
            groups.append(
                pyvrp.ClientGroup(list(range(len(clients) - len(offers), len(clients))), required=False)
            )
    return clients, groups


def on_time_routes(
    problem: Problem,
    candidates: Sequence[int],
    windows: Mapping[int, tuple[int, int]],
    required: set[int],
    *,
    seconds: float,
    seed: int,
    continuity_miss: int,
    bands: Mapping[int, tuple[int, int]] | None = None,
    band_bonus: int = 0,
    wide: Mapping[int, tuple[int, int]] | None = None,
    reserve_bonus: int = 0,
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[int, int]]] | None:
    """Routes that start as many of `candidates` (visit indices) as possible inside `windows` (the starts that
    count as on time; a visit weighs its lateness weight; those in `required` must be served), then travel least. PyVRP knows no competences or breaks: each carer gets a travel
    profile of their own in which visits they may not make are out of reach, and their break (at most one)
    is a required stop only they can reach, entered free and left by the shortest leg into the next place,
    so the caller re-times the routes with the real break. A visit with a band (its usual time, see
    routing.on_time.anchor_bands) is offered twice, at most one of the two served: inside the band it
    earns `band_bonus` more; so is a visit with a `wide` window (its whole on-time window, where `windows`
    keeps a reserve before the agreed end): inside the reserve it earns `reserve_bonus` more, so a reserve
    never costs a visit its place on time. The routes and, for each visit served, the window of the copy
    served; None when PyVRP found nothing feasible."""
    carers = problem.carers
    if not carers or any(len(c.breaks) > 1 for c in carers):
        return None
    depots = sorted({c.start_location for c in carers} | {c.end_location for c in carers})
    depot_of = {loc: i for i, loc in enumerate(depots)}
    places = np.asarray(depots + [problem.visits[v].location for v in candidates], dtype=np.int64)
    matrices = [_carer_matrices(problem, places, candidates, k, continuity_miss) for k in range(len(carers))]
    size = len(places) + len(carers)
    locations = [pyvrp.Location(0, 0) for _ in range(size)]
    clients, groups = _visit_clients(
        problem,
        candidates,
        windows,
        required,
        len(depots),
        bands or {},
        band_bonus,
        wide or {},
        reserve_bonus,
    )
    for k, carer in enumerate(carers):
        for brk in carer.breaks:
            clients.append(
                pyvrp.Client(
                    location=len(places) + k,
                    service_duration=brk.duration,
                    tw_early=brk.earliest_start,
                    tw_late=brk.latest_start,
                    required=True,
                    name="",
                )
            )
    vehicle_types = [
        pyvrp.VehicleType(
            1,
            start_depot=depot_of[c.start_location],
            end_depot=depot_of[c.end_location],
            tw_early=c.shift_start,
            tw_late=c.shift_end,
            profile=k,
            name=c.id,
        )
        for k, c in enumerate(carers)
    ]
    data = pyvrp.ProblemData(
        locations,
        clients,
        [pyvrp.Depot(location=i) for i in range(len(depots))],
        vehicle_types,
        [cost for cost, _ in matrices],  # type: ignore[misc]  # numpy's shape typing vs PyVRP's stubs
        [duration for _, duration in matrices],  # type: ignore[misc]
        groups,
    )
    result = pyvrp.solve(data, stop=MaxRuntime(seconds), seed=seed, display=False)
    if not result.is_feasible():
        return None
    offered = data.clients()
    routes: dict[str, tuple[str, ...]] = {c.id: () for c in carers}
    served: dict[str, tuple[int, int]] = {}
    for route in result.best.routes():
        visits = [offered[a.idx] for a in route if a.is_client() and offered[a.idx].name]
        routes[carers[route.vehicle_type()].id] = tuple(c.name for c in visits)
        served.update((c.name, (c.tw_early, c.tw_late)) for c in visits)
    return routes, served
