"""Solve strategies around `solve` for the situations a planning day brings.

`solve_or_rescue` makes sure an overloaded shift still gets a plan; `solve_keeping_unaffected` re-plans after
a sick call while moving other carers' visits only when that helps recipients; `take_in` fits visits another
team had no room for into a team's finished plan. All are pure: a Problem in, a Plan out, checked by
`routing.check` in the tests like any other plan.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import replace

from routing.explain import explain_unassigned
from routing.insertion import placements, timed_route
from routing.objective import objective_of, rank
from routing.on_time import linked_ids
from routing.params import SolveParams, Weights
from routing.plan import Plan, Route
from routing.problem import Problem
from routing.rebalance import rebalance
from routing.repair import repair_on_time
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
    pinned_problem: Problem,
    initial_routes: dict[str, tuple[str, ...]] | None,
    seconds: float,
    reserve_per_second: int = 0,
) -> tuple[Problem, Plan]:
    """Re-plan in two phases: first with every unaffected carer's visits pinned to that carer, so only the
    absent carer's visits find new places (visits in their window first, on a home-care day); then freed
    (but for visits the coordinator pinned, `Visit.keep_pinned`),
    warm-started from the first answer, and kept only if more visits are on time, or as many and fewer are
    left out, or lateness drops. Unaffected stops thus move only when that helps recipients.
    Returns the problem the kept plan answers (pinned or freed), so it is checked against the right one.
    `reserve_per_second`: the pinned phase's slack before agreed ends (SolveParams.reserve_per_second)."""
    weights = Weights(continuity_miss=STABILITY_WEIGHT)
    # on a home-care day the pinned phase plans visits in their window first, which builds its own routes
    home_care_day = any(v.soft_end is not None for v in pinned_problem.visits)
    first = solve(
        pinned_problem,
        SolveParams(
            time_limit_s=seconds * PINNED_SHARE,
            weights=weights,
            initial_routes=None if home_care_day else initial_routes or None,
            reserve_per_second=reserve_per_second,
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


def plan_of(problem: Problem, routes: Sequence[Route], params: SolveParams, like: Plan) -> Plan:
    """The plan these routes make of `problem`: every visit not routed explained, the objective of this
    problem; stats and notes from `like` (the search the routes came from)."""
    routed = {s.visit_id for r in routes for s in r.stops}
    dropped = {i for i, v in enumerate(problem.visits) if v.id not in routed}
    return Plan(
        routes=tuple(routes),
        unassigned=tuple(explain_unassigned(problem, v, dropped) for v in sorted(dropped)),
        objective=objective_of(problem, routes, sorted(dropped), params),
        stats=like.stats,
        notes=like.notes,
        weights=params.weights,
    )


def take_in(problem: Problem, plan: Plan, lent: Collection[str], params: SolveParams) -> Plan:
    """`plan` (a team's own shift, solved) extended to `problem` (the same shift with visits `lent` by a team
    that had no room for them): a lent visit goes on time where at most one other visit moves out of its
    way (routing.repair) or to a carer without visits (routing.rebalance), else into its cheapest place
    where no visit leaves its window and the objective gains. The team's own visits keep every window they
    had, so the team never pays for its neighbour's day; lent visits with no place stay unassigned.
    `params.time_limit_s` bounds the repair."""
    routed = {s.visit_id for r in plan.routes for s in r.stops}
    routes = list(plan.routes)
    dropped = [i for i, v in enumerate(problem.visits) if v.id not in routed]
    deadline = time.monotonic() + params.time_limit_s
    routes, dropped = repair_on_time(problem, routes, dropped, params, deadline)
    routes, dropped = rebalance(problem, routes, dropped, params)
    linked = linked_ids(problem)
    for index in [i for i in dropped if problem.visits[i].id in lent]:
        routes, dropped = _inserted_keeping_windows(problem, routes, dropped, index, linked, params)
    extended = replace(plan, stats=replace(plan.stats, engine=f"{plan.stats.engine}+lent"))
    return plan_of(problem, routes, params, extended)


def _inserted_keeping_windows(
    problem: Problem,
    routes: list[Route],
    dropped: list[int],
    index: int,
    linked: set[str],
    params: SolveParams,
) -> tuple[list[Route], list[int]]:
    """The routes with visit `index` at its best place by the objective where every visit on time stays
    on time; unchanged where no such place gains."""
    visit = problem.visits[index]
    on_time = _on_time_ids(routes)
    left = [v for v in dropped if v != index]
    best, chosen = rank(problem, routes, dropped, params), None
    for k, route in enumerate(routes):
        carer = problem.carers[problem.carer_index[route.carer_id]]
        if not problem.may_serve(carer, visit):
            continue
        for _, timed in placements(problem, carer, route, visit, linked):
            candidate = [*routes[:k], timed, *routes[k + 1 :]]
            if not on_time <= _on_time_ids(candidate):
                continue
            ranked = rank(problem, candidate, left, params)
            if ranked < best:
                best, chosen = ranked, candidate
    return (routes, dropped) if chosen is None else (chosen, left)


def _on_time_ids(routes: Sequence[Route]) -> set[str]:
    return {s.visit_id for r in routes for s in r.stops if s.lateness == 0}


def retimed_routes(problem: Problem, routes: Sequence[Route]) -> list[Route]:
    """Each route's stops at their earliest times in their order (linked visits at their starts): a stored
    plan made a plan of the problem as it stands now."""
    linked_ids_ = linked_ids(problem)
    linked = {s.visit_id: s.start for r in routes for s in r.stops if s.visit_id in linked_ids_}
    result = []
    for route in routes:
        carer = problem.carers[problem.carer_index[route.carer_id]]
        sequence = [problem.visits[problem.visit_index[s.visit_id]] for s in route.stops]
        timed = timed_route(problem, carer, route, sequence, linked, strict=False)
        assert timed is not None  # not strict: always timed
        result.append(timed)
    return result
