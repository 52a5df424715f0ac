"""Alternative agreed windows for visits the plan cannot meet, to agree with the recipient.

A window is suggested only when the visit, moved to it, fits into the finished plan without pushing any
other visit out of its windows (routing.insertion) and the independent validator accepts the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from backend.common.localtime import local_clock
from backend.planning.translate import PlanningInput
from routing import Plan, TimeWindow, check
from routing.insertion import cheapest_insertion

OFFSETS_MIN = sorted((m for m in range(-240, 241, 30) if m), key=abs)
MAX_SUGGESTIONS = 3


def fitting_offsets(
    inp: PlanningInput, plan: Plan, visit_id: str, offsets: list[int], enough: int | None = None
) -> list[int]:
    """The offsets (minutes, in the order given) by which the agreed window of a visit the plan left out can
    move so that the visit fits into the finished plan, every other visit kept where it is; the first
    `enough` of them when that many are wanted."""
    problem = inp.problem
    if problem is None or visit_id not in problem.visit_index:
        return []
    visit = problem.visits[problem.visit_index[visit_id]]
    day_visit = inp.visits[visit.id]
    agreed_start = inp.seconds(day_visit.window_start)
    agreed_end = inp.seconds(day_visit.window_end)
    found: list[int] = []
    for offset in offsets:
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
        if check(trial_problem, trial_plan).feasible:
            found.append(offset)
            if enough is not None and len(found) >= enough:
                break
    return found


def suggest_windows(inp: PlanningInput, plan: Plan) -> dict[str, list[str]]:
    """Visit key → up to three windows of the same length, nearest first, in which the visit fits."""
    if inp.problem is None:
        return {}
    result: dict[str, list[str]] = {}
    for unassigned in plan.unassigned:
        day_visit = inp.visits.get(unassigned.visit_id)
        offsets = fitting_offsets(inp, plan, unassigned.visit_id, OFFSETS_MIN, MAX_SUGGESTIONS)
        if offsets and day_visit is not None:
            result[unassigned.visit_id] = [
                f"{local_clock(day_visit.window_start + dt.timedelta(minutes=o))}–"
                f"{local_clock(day_visit.window_end + dt.timedelta(minutes=o))}"
                for o in offsets
            ]
    return result
