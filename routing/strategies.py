"""Solve strategies around `solve` for the situations a planning day brings.

`solve_or_rescue` makes sure an overloaded shift still gets a plan; `solve_keeping_unaffected` re-plans after
a sick call while moving other carers' visits only when that helps recipients. Both are pure: a Problem in,
a Plan out, checked by `routing.check` in the tests like any other plan.
"""

from __future__ import annotations

from dataclasses import replace

from routing.params import SolveParams, Weights
from routing.plan import Plan
from routing.problem import Problem
from routing.solve import solve

RELAXED_SHARE = 0.4  # of the rescue time spent on the problem without links
PINNED_SHARE = 0.6  # of the re-plan time spent with unaffected routes pinned
STABILITY_WEIGHT = 3000  # a re-plan moves a visit to another carer only to save ≥ 5 min of lateness
# once unaffected visits are freed, travel alone must never justify a move: lateness weighs 100× travel
FREED_WEIGHTS = Weights(lateness_per_second=100, continuity_miss=STABILITY_WEIGHT * 10)


def rescue(problem: Problem, seconds: float) -> Plan:
    """When no solution came in time (an overloaded shift whose double-staffed visits defeat the first-solution
    heuristics): plan it without the links, keep those routes minus every linked visit as a warm start that
    satisfies all constraints, and let the full model insert the linked visits where it can. The day's plan
    thus always comes out, with whatever could not be placed listed and explained."""
    relaxed = solve(
        replace(problem, links=()), SolveParams(time_limit_s=seconds * RELAXED_SHARE, link_strategy="direct")
    )
    linked = {v for link in problem.links for v in (link.first, link.second)}
    warm = {
        r.carer_id: tuple(s.visit_id for s in r.stops if s.visit_id not in linked) for r in relaxed.routes
    }
    full = solve(
        problem,
        SolveParams(time_limit_s=seconds * (1 - RELAXED_SHARE), link_strategy="direct", initial_routes=warm),
    )
    return replace(
        full, notes=(*full.notes, "rescued: planned without links first, then linked visits inserted")
    )


def solve_or_rescue(problem: Problem, params: SolveParams) -> Plan:
    """`solve`, and `rescue` with the same time when it found no solution for a shift with visits."""
    plan = solve(problem, params)
    if problem.visits and not plan.stats.solutions_found:
        return rescue(problem, params.time_limit_s)
    return plan


def _worse_for_recipients(candidate: Plan, reference: Plan) -> bool:
    """More visits in their window first, then fewer left out, then less lateness (the objective order):
    the only grounds for moving unaffected stops."""

    def key(plan: Plan) -> tuple[int, int, int]:
        o = plan.objective
        return -plan.on_time(), o.dropped_mandatory + o.dropped_optional, o.lateness_total

    return key(candidate) >= key(reference)


def _summary(plan: Plan) -> str:
    o = plan.objective
    return f"dropped={o.dropped_mandatory + o.dropped_optional} lateness_min={o.lateness_total // 60}"


def solve_keeping_unaffected(
    pinned_problem: Problem, initial_routes: dict[str, tuple[str, ...]] | None, seconds: float
) -> tuple[Problem, Plan]:
    """Re-plan in two phases: first with every unaffected carer's visits pinned to that carer, so only the
    absent carer's visits find new places (visits in their window first, on a home-care day); then freed
    (but for visits the coordinator pinned, `Visit.keep_pinned`),
    warm-started from the first answer, and kept only if more visits are on time, or as many and fewer are
    left out, or lateness drops. Unaffected stops thus move only when that helps recipients.
    Returns the problem the kept plan answers (pinned or freed), so it is checked against the right one."""
    weights = Weights(continuity_miss=STABILITY_WEIGHT)
    # on a home-care day the pinned phase plans visits in their window first, which builds its own routes
    home_care_day = any(v.soft_end is not None for v in pinned_problem.visits)
    first = solve(
        pinned_problem,
        SolveParams(
            time_limit_s=seconds * PINNED_SHARE,
            weights=weights,
            initial_routes=None if home_care_day else initial_routes or None,
        ),
    )
    if not any(v.pinned_carer and not v.keep_pinned for v in pinned_problem.visits):
        return pinned_problem, first
    free = replace(
        pinned_problem,
        visits=tuple(v if v.keep_pinned else replace(v, pinned_carer=None) for v in pinned_problem.visits),
    )
    warm = {r.carer_id: tuple(s.visit_id for s in r.stops) for r in first.routes}
    second = solve(
        free,
        SolveParams(time_limit_s=seconds * (1 - PINNED_SHARE), weights=FREED_WEIGHTS, initial_routes=warm),
    )
    summary = f"pinned {_summary(first)}; freed {_summary(second)}"
    if _worse_for_recipients(second, first):
        return pinned_problem, replace(first, notes=(*first.notes, f"unaffected routes kept ({summary})"))
    return free, replace(second, notes=(*second.notes, f"unaffected stops moved to cut lateness ({summary})"))
