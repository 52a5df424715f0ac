"""Alternative agreed windows for visits the plan cannot meet, to agree with the recipient.

A window is suggested only when the visit, moved to it, fits into the finished plan without pushing any
other visit out of its windows (routing.insertion) and the independent validator accepts the result.
"""

from __future__ import annotations

from dataclasses import replace

from backend.common.localtime import local_clock
from backend.planning.translate import PlanningInput
from routing import Plan, TimeWindow, check
from routing.insertion import cheapest_insertion

OFFSETS_MIN = sorted((m for m in range(-240, 241, 30) if m), key=abs)
MAX_SUGGESTIONS = 3


def suggest_windows(inp: PlanningInput, plan: Plan) -> dict[str, list[str]]:
    """Visit key → up to three windows of the same length, nearest first, in which the visit fits."""
    problem = inp.problem
    if problem is None:
        return {}
    result: dict[str, list[str]] = {}
    for unassigned in plan.unassigned:
        visit = problem.visits[problem.visit_index[unassigned.visit_id]]
        day_visit = inp.visits[visit.id]
        agreed_start = inp.seconds(day_visit.window_start)
        agreed_end = inp.seconds(day_visit.window_end)
        found: list[str] = []
        for offset in OFFSETS_MIN:
            start, end = agreed_start + offset * 60, agreed_end + offset * 60
            if start < 0 or end > 24 * 3600:
                continue
            moved = replace(visit, windows=(TimeWindow(start, end),), soft_end=None)
            insertion = cheapest_insertion(problem, plan, moved)
            if insertion is None:
                continue
            trial_problem = replace(
                problem, visits=tuple(moved if v.id == visit.id else v for v in problem.visits)
            )
            trial_plan = replace(
                plan,
                routes=tuple(insertion.route if r.carer_id == insertion.carer_id else r for r in plan.routes),
                unassigned=tuple(u for u in plan.unassigned if u.visit_id != visit.id),
            )
            if not check(trial_problem, trial_plan).feasible:
                continue
            found.append(f"{local_clock(inp.instant(start))}–{local_clock(inp.instant(end))}")
            if len(found) == MAX_SUGGESTIONS:
                break
        if found:
            result[visit.id] = found
    return result
