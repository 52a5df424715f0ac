"""Small builders for routing tests: a line of houses along a road, times in seconds from midnight."""

from __future__ import annotations

import numpy as np

from routing import Carer, Plan, Problem, SolveParams, TimeWindow, Visit
from routing.explain import explain_unassigned
from routing.insertion import timed_route
from routing.objective import objective_of
from routing.plan import Route, SolverStats

H = 3600
M = 60


def line_matrix(n: int, step: int = 5 * M) -> np.ndarray:
    """Location i sits i·step seconds from the base (location 0) along one road."""
    positions = np.arange(n) * step
    return np.abs(positions[:, None] - positions[None, :]).astype(np.int64)


def visit(vid: str, loc: int, start_h: float, end_h: float, minutes: int = 20, **extra: object) -> Visit:
    """A visit with an agreed window [start, end] (soft end) and a hard window until end + 2 h."""
    start, end = int(start_h * H), int(end_h * H)
    hard_end = extra.pop("hard_end", end + 2 * H)
    return Visit(vid, loc, minutes * M, (TimeWindow(start, int(hard_end)),), soft_end=end, **extra)  # type: ignore[arg-type]


def carer(
    cid: str, start_h: float = 7.5, end_h: float = 15.0, comp: set[str] | None = None, **extra: object
) -> Carer:
    return Carer(
        cid, 0, 0, int(start_h * H), int(end_h * H), frozenset(comp or {"helsefagarbeider"}), **extra
    )  # type: ignore[arg-type]


def dealt_plan(problem: Problem, orders: dict[str, list[str]]) -> tuple[list[Route], list[int]]:
    """Each carer's visits in the given order at the earliest times they fall (late or not); the rest
    left out."""
    routes = []
    for c in problem.carers:
        empty = Route(c.id, (), c.shift_start, c.shift_start, 0)
        sequence = [problem.visits[problem.visit_index[v]] for v in orders.get(c.id, [])]
        timed = timed_route(problem, c, empty, sequence, {}, strict=False)
        assert timed is not None
        routes.append(timed)
    served = {v for order in orders.values() for v in order}
    return routes, [i for i, v in enumerate(problem.visits) if v.id not in served]


def as_plan(routes: list[Route], dropped: list[int], problem: Problem) -> Plan:
    """Routes and left-out visits as a Plan that routing.check can judge."""
    objective = objective_of(problem, routes, dropped, SolveParams())
    return Plan(
        tuple(routes),
        tuple(explain_unassigned(problem, v, set(dropped)) for v in dropped),
        objective,
        SolverStats("test", 0.0, objective.weighted_total),
    )
