"""The OR-Tools model of routing.Problem (the only module that imports OR-Tools).

Nodes: every visit (in an order permuted by the seed), then one start and one end node per carer. The time
dimension's cumul at a visit node is the service start; transit is service time + travel for the carer's
profile. Double staffing, precedence gaps and the "served by two different carers" rule are solver
constraints; competences, pins and forbidden carers restrict each visit's vehicle variable; every visit
sits in a disjunction so an impossible visit is reported instead of making the whole day infeasible.
"""

from __future__ import annotations

import random
import time
from itertools import pairwise

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing import on_time
from routing.params import SolveParams, Weights
from routing.plan import Route, SolverStats, Stop
from routing.problem import Precedence, Problem, SameStart, Visit

_STATUS = {
    0: "not_solved",
    1: "success",
    2: "partial_success_time_limit",
    3: "fail",
    4: "fail_timeout",
    5: "invalid",
    6: "infeasible",
    7: "optimal",
}


class _Model:
    def __init__(self, problem: Problem, params: SolveParams) -> None:
        self.problem = problem
        self.params = params
        order = list(range(len(problem.visits)))
        random.Random(params.seed).shuffle(order)
        self.visit_of_node: list[int] = order
        self.node_of_visit = {v: n for n, v in enumerate(order)}
        n_visits = len(order)
        n_carers = len(problem.carers)
        self.starts = [n_visits + 2 * k for k in range(n_carers)]
        self.ends = [n_visits + 2 * k + 1 for k in range(n_carers)]
        locations = [problem.visits[v].location for v in order]
        service = [problem.visits[v].duration for v in order]
        for carer in problem.carers:
            locations += [carer.start_location, carer.end_location]
            service += [0, 0]
        self.locations = np.asarray(locations, dtype=np.int64)
        self.service = np.asarray(service, dtype=np.int64)
        self.manager = pywrapcp.RoutingIndexManager(len(locations), n_carers, self.starts, self.ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self.horizon = self._horizon()
        self._build()

    def _horizon(self) -> int:
        ends = [v.latest + v.duration for v in self.problem.visits] + [
            c.shift_end for c in self.problem.carers
        ]
        return int(max(ends, default=0)) + 1

    def _node_travel(self, profile: str) -> np.ndarray:
        return self.problem.matrices[profile][np.ix_(self.locations, self.locations)]

    def _build(self) -> None:
        problem, routing, manager, weights = self.problem, self.routing, self.manager, self.params.weights
        profiles = sorted({c.profile for c in problem.carers})
        travel = {p: self._node_travel(p) for p in profiles}
        self.travel = travel
        transit_ids = {
            p: routing.RegisterTransitMatrix((travel[p] + self.service[:, None]).tolist()) for p in profiles
        }
        # Arc costs: travel weight, plus the continuity penalty on arcs leaving a visit whose preferred
        # carers do not include this vehicle. Vehicles with the same profile and misses share one matrix.
        cost_ids: dict[tuple[str, tuple[int, ...]], int] = {}
        vehicle_costs: list[int] = []
        for carer in problem.carers:
            misses = tuple(
                n
                for n, v in enumerate(self.visit_of_node)
                if problem.visits[v].preferred_carers and carer.id not in problem.visits[v].preferred_carers
            )
            key = (carer.profile, misses)
            if key not in cost_ids:
                cost = travel[carer.profile] * weights.travel_per_second
                if misses:
                    cost = cost.copy()
                    cost[list(misses), :] += weights.continuity_miss
                cost_ids[key] = routing.RegisterTransitMatrix(cost.tolist())
            vehicle_costs.append(cost_ids[key])
        if len(set(vehicle_costs)) == 1:
            routing.SetArcCostEvaluatorOfAllVehicles(vehicle_costs[0])
        else:
            for k, cost_id in enumerate(vehicle_costs):
                routing.SetArcCostEvaluatorOfVehicle(cost_id, k)

        routing.AddDimensionWithVehicleTransits(
            [transit_ids[c.profile] for c in problem.carers], self.horizon, self.horizon, False, "time"
        )
        self.time = routing.GetDimensionOrDie("time")
        solver = routing.solver()

        if any(v.demand for v in problem.visits) and any(c.capacity is not None for c in problem.carers):
            demand_id = routing.RegisterUnaryTransitVector([int(d) for d in self._demands()])
            capacities = [c.capacity if c.capacity is not None else 10**9 for c in problem.carers]
            routing.AddDimensionWithVehicleCapacity(demand_id, 0, capacities, True, "load")

        for node, v in enumerate(self.visit_of_node):
            visit = problem.visits[v]
            index = manager.NodeToIndex(node)
            cumul = self.time.CumulVar(index)
            cumul.SetRange(visit.earliest, visit.latest)
            for a, b in pairwise(visit.windows):
                if b.start - a.end > 1:
                    cumul.RemoveInterval(a.end + 1, b.start - 1)
            if visit.fixed_start is not None:
                cumul.SetValue(visit.fixed_start)
            if visit.soft_end is not None and visit.soft_end < visit.latest:
                self.time.SetCumulVarSoftUpperBound(
                    index,
                    visit.soft_end,
                    (weights.lateness_per_second + weights.max_lateness_per_second) * visit.lateness_weight,
                )
            anchored = (
                visit.anchor_start is not None
                and weights.anchor_per_second > 0
                and self._price_anchor(index, visit, visit.anchor_start, weights)
            )
            if not anchored and self.params.reserve_per_second:
                self._price_reserve(index, visit)
            allowed = [k for k, c in enumerate(problem.carers) if problem.may_serve(c, visit)]
            if len(allowed) < len(problem.carers):
                routing.VehicleVar(index).SetValues([-1, *allowed])
            penalty = weights.mandatory_drop if visit.mandatory else visit.drop_penalty
            routing.AddDisjunction([index], int(penalty))

        for k, carer in enumerate(problem.carers):
            start, end = routing.Start(k), routing.End(k)
            self.time.CumulVar(start).SetRange(carer.shift_start, carer.shift_end)
            self.time.CumulVar(end).SetRange(carer.shift_start, carer.shift_end)
            if carer.max_working_time is not None:
                self.time.SetSpanUpperBoundForVehicle(carer.max_working_time, k)
            routing.AddVariableMaximizedByFinalizer(self.time.CumulVar(start))
            routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(end))
        self._add_breaks()
        self._add_links(solver)

    def _price_anchor(self, index: int, visit: Visit, anchor: int, weights: Weights) -> bool:
        """Starting more than the tolerance before the usual time costs its weight per second; so does
        starting after it where the visit cannot be late (its hard window ends by the agreed end, as for
        every visit the on-time search holds). A cumul has one soft upper bound, and where lateness is
        possible that one prices the lateness, which counts more: the late side is then left to the
        on-time search's bands. True when the soft upper bound is taken."""
        early = anchor - weights.anchor_tolerance
        if early > visit.earliest:
            self.time.SetCumulVarSoftLowerBound(index, early, weights.anchor_per_second)
        late = anchor + weights.anchor_tolerance
        never_late = visit.soft_end is None or visit.soft_end >= visit.latest
        if never_late and late < visit.latest:
            self.time.SetCumulVarSoftUpperBound(index, late, weights.anchor_per_second)
            return True
        return False

    def _price_reserve(self, index: int, visit: Visit) -> None:
        """A visit held inside its agreed window (it cannot be late here) costs reserve_per_second for each
        second it starts within the reserve before the agreed end (routing.on_time.with_reserve): the
        visits added around it then take the slack a visit or drive that runs long on the day needs only
        where nothing cheaper is left."""
        if visit.soft_end is None or visit.soft_end < visit.latest or visit.fixed_start is not None:
            return
        aim = on_time.with_reserve(on_time.on_time_window(visit))[1]
        if aim < visit.latest:
            self.time.SetCumulVarSoftUpperBound(index, aim, self.params.reserve_per_second)

    def _demands(self) -> list[int]:
        demands = [self.problem.visits[v].demand for v in self.visit_of_node]
        return demands + [0] * (2 * len(self.problem.carers))

    def _add_breaks(self) -> None:
        if not any(c.breaks for c in self.problem.carers):
            return
        solver = self.routing.solver()
        node_visit_transits = [
            int(self.service[self.manager.IndexToNode(i)]) for i in range(self.routing.Size())
        ] + [0] * len(self.problem.carers)
        self.break_intervals: dict[int, list[pywrapcp.IntervalVar]] = {}
        for k, carer in enumerate(self.problem.carers):
            intervals = [
                solver.FixedDurationIntervalVar(
                    b.earliest_start, b.latest_start, b.duration, False, f"break {k}/{i}"
                )
                for i, b in enumerate(carer.breaks)
            ]
            if intervals:
                self.time.SetBreakIntervalsOfVehicle(intervals, k, node_visit_transits)
                self.break_intervals[k] = intervals

    def _add_links(self, solver: pywrapcp.Solver) -> None:
        big_time = self.horizon * 2
        big_vehicle = len(self.problem.carers) + 2
        for link in self.problem.links:
            a = self.manager.NodeToIndex(self.node_of_visit[self.problem.visit_index[link.first]])
            b = self.manager.NodeToIndex(self.node_of_visit[self.problem.visit_index[link.second]])
            cumul_a, cumul_b = self.time.CumulVar(a), self.time.CumulVar(b)
            active_a, active_b = self.routing.ActiveVar(a), self.routing.ActiveVar(b)
            if isinstance(link, SameStart):
                solver.Add(active_a == active_b)
                solver.Add(cumul_a == cumul_b)
                vehicle_a, vehicle_b = self.routing.VehicleVar(a), self.routing.VehicleVar(b)
                solver.Add(vehicle_a + big_vehicle * (1 - active_a) != vehicle_b)
            else:
                assert isinstance(link, Precedence)
                slack = big_time * (2 - active_a - active_b)
                solver.Add(cumul_b - cumul_a + slack >= link.min_gap)
                if link.max_gap is not None:
                    solver.Add(cumul_b - cumul_a - slack <= link.max_gap)

    # ---- solving -------------------------------------------------------------------------------

    def search_parameters(self, remaining_s: float) -> pywrapcp.DefaultRoutingSearchParameters:
        search = pywrapcp.DefaultRoutingSearchParameters()
        search.first_solution_strategy = getattr(
            routing_enums_pb2.FirstSolutionStrategy, self.params.first_solution
        )
        search.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic, self.params.metaheuristic
        )
        search.time_limit.FromMilliseconds(max(int(remaining_s * 1000), 1))
        if self.params.max_solutions is not None:
            search.solution_limit = self.params.max_solutions
        search.log_search = self.params.log_search
        return search

    def initial_assignment(self) -> pywrapcp.Assignment | None:
        if not self.params.initial_routes:
            return None
        routes: list[list[int]] = []
        for carer in self.problem.carers:
            ids = self.params.initial_routes.get(carer.id, ())
            routes.append(
                [
                    self.manager.NodeToIndex(self.node_of_visit[self.problem.visit_index[vid]])
                    for vid in ids
                    if vid in self.problem.visit_index
                ]
            )
        self.routing.CloseModelWithParameters(self.search_parameters(self.params.time_limit_s))
        return self.routing.ReadAssignmentFromRoutes(routes, True)

    def extract(self, solution: pywrapcp.Assignment) -> tuple[list[Route], list[int]]:
        routes: list[Route] = []
        served: set[int] = set()
        break_starts: dict[int, list[int]] = {}
        intervals = solution.IntervalVarContainer()
        for i in range(intervals.Size()):
            element = intervals.Element(i)
            name = element.Var().Name()
            if name.startswith("break ") and element.PerformedValue():
                break_starts.setdefault(int(name.split()[1].split("/")[0]), []).append(element.StartValue())
        for k, carer in enumerate(self.problem.carers):
            index = self.routing.Start(k)
            if self.routing.IsEnd(solution.Value(self.routing.NextVar(index))):
                continue
            start_time = solution.Value(self.time.CumulVar(index))
            previous_end, previous_node, travel_total = start_time, self.manager.IndexToNode(index), 0
            stops: list[Stop] = []
            index = solution.Value(self.routing.NextVar(index))
            while not self.routing.IsEnd(index):
                node = self.manager.IndexToNode(index)
                visit = self.problem.visits[self.visit_of_node[node]]
                leg = int(self.travel[carer.profile][previous_node, node])
                begin = solution.Value(self.time.CumulVar(index))
                arrival = previous_end + leg
                late = max(0, begin - visit.soft_end) if visit.soft_end is not None else 0
                stops.append(
                    Stop(visit.id, arrival, begin, begin + visit.duration, max(0, begin - arrival), late)
                )
                served.add(self.visit_of_node[node])
                travel_total += leg
                previous_end, previous_node = begin + visit.duration, node
                index = solution.Value(self.routing.NextVar(index))
            travel_total += int(self.travel[carer.profile][previous_node, self.manager.IndexToNode(index)])
            end_time = solution.Value(self.time.CumulVar(index))
            breaks = tuple(sorted(break_starts.get(k, [])))
            start_time, stops = _leave_just_in_time(start_time, stops, breaks)
            routes.append(Route(carer.id, tuple(stops), start_time, end_time, travel_total, breaks))
        dropped = [v for v in range(len(self.problem.visits)) if v not in served]
        return routes, dropped


def _leave_just_in_time(
    start_time: int, stops: list[Stop], breaks: tuple[int, ...]
) -> tuple[int, list[Stop]]:
    """Leave the base so as to arrive at the first visit when it starts, unless a break comes first."""
    if not stops or any(b < stops[0].start for b in breaks):
        return start_time, stops
    first = stops[0]
    shift = first.waiting
    if shift <= 0:
        return start_time, stops
    moved = Stop(first.visit_id, first.arrival + shift, first.start, first.end, 0, first.lateness)
    return start_time + shift, [moved, *stops[1:]]


def solve_with_ortools(problem: Problem, params: SolveParams) -> tuple[list[Route], list[int], SolverStats]:
    """Build, solve within the time limit, and read back routes and the indices of dropped visits."""
    began = time.monotonic()
    if not problem.visits or not problem.carers:
        stats = SolverStats("empty", time.monotonic() - began, 0, 0, params.seed)
        return [], list(range(len(problem.visits))), stats
    model = _Model(problem, params)
    warm = model.initial_assignment()
    remaining = params.time_limit_s - (time.monotonic() - began) - 0.05
    search = model.search_parameters(max(remaining, 0.1))
    if warm is not None:
        solution = model.routing.SolveFromAssignmentWithParameters(warm, search)
    else:
        solution = model.routing.SolveWithParameters(search)
    status = _STATUS.get(model.routing.status(), str(model.routing.status()))
    if solution is None:
        stats = SolverStats(status, time.monotonic() - began, 0, 0, params.seed, warm is not None)
        return [], list(range(len(problem.visits))), stats
    routes, dropped = model.extract(solution)
    stats = SolverStats(
        status,
        time.monotonic() - began,
        int(solution.ObjectiveValue()),
        int(model.routing.solver().Solutions()),
        params.seed,
        warm is not None,
    )
    return routes, dropped, stats
