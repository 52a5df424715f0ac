"""The optimisation core: pure integers of seconds; no web, database or map code.

problem = Problem(matrices={"car": m}, visits=(...), carers=(...), links=(...))
plan = solve(problem, SolveParams(time_limit_s=5))
assert check(problem, plan).feasible
"""

from routing.check import CheckResult, Violation, check
from routing.params import SolveParams, Weights
from routing.plan import Objective, Plan, Route, SolverStats, Stop, Unassigned
from routing.problem import Break, Carer, Precedence, Problem, SameStart, TimeWindow, Visit
from routing.solve import solve

__all__ = [
    "Break",
    "Carer",
    "CheckResult",
    "Objective",
    "Plan",
    "Precedence",
    "Problem",
    "Route",
    "SameStart",
    "SolveParams",
    "SolverStats",
    "Stop",
    "TimeWindow",
    "Unassigned",
    "Violation",
    "Visit",
    "Weights",
    "check",
    "solve",
]
