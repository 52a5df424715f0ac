"""routing.solve: the public entry point of the optimisation core."""

from __future__ import annotations

from routing.explain import explain_unassigned
from routing.ortools_model import objective_of, solve_with_ortools
from routing.params import SolveParams
from routing.plan import Plan
from routing.problem import Problem


def solve(problem: Problem, params: SolveParams | None = None) -> Plan:
    """Plan the day: routes of timed stops, every unserved visit explained, the objective broken down."""
    params = params or SolveParams()
    routes, dropped, stats = solve_with_ortools(problem, params)
    dropped_set = set(dropped)
    unassigned = tuple(explain_unassigned(problem, v, dropped_set) for v in sorted(dropped))
    return Plan(
        routes=tuple(routes),
        unassigned=unassigned,
        objective=objective_of(problem, routes, dropped, params),
        stats=stats,
    )
