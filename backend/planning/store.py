"""Storing a solved shift as a draft plan: routes and stops (through the translator), unassigned visits with
reasons and suggested windows, the objective the solver optimised with its weights, and the validator's
verdict."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import Session

from backend.planning.alternatives import suggest_windows
from backend.planning.diff import plan_diff
from backend.planning.models import CannotBeOnTime, Plan, PlanStats, Stop, UnassignedVisit
from backend.planning.revisions import stamp_draft
from backend.planning.translate import PlanningInput, route_row, solved_stops
from routing import Plan as RoutingPlan
from routing import check
from routing.bound import NO_COMPETENT_CARER, NO_SECOND_CARER, NO_SHIFT_COVERS, Bound, on_time_bound

SOURCES = {"manual-like": "manual_like", "hand-edit": "edited"}  # engine → Plan.source; else "solver"
WHY_NOT_ON_TIME = {
    NO_COMPETENT_CARER: "Ingen pleier på vakt har kompetansen besøket krever.",
    NO_SHIFT_COVERS: "Ingen vakt dekker den avtalte tiden (med reisetid fra og til basen).",
    NO_SECOND_CARER: "Dobbeltbemanning krever to pleiere med kompetansen på vakt samtidig; det finnes bare én.",
}


def _carried_over(fixed: Sequence[tuple[int, Stop]]) -> dict[int, list[Stop]]:
    """Stops a re-plan keeps (done, started, past, as they happened), by carer."""
    stops: dict[int, list[Stop]] = defaultdict(list)
    for carer_id, kept in fixed:
        stops[carer_id].append(kept)
    return stops


def _with_kept_lateness(objective: dict[str, object], fixed: Sequence[tuple[int, Stop]]) -> dict[str, object]:
    """The day's lateness includes what already happened (a visit begun late), not only what was solved."""
    late = [stop.lateness_seconds for _, stop in fixed]
    if not late:
        return objective
    total, worst = objective.get("lateness_total_s", 0), objective.get("lateness_max_s", 0)
    assert isinstance(total, int) and isinstance(worst, int)
    return {**objective, "lateness_total_s": total + sum(late), "lateness_max_s": max(worst, *late)}


def _cannot_be_on_time(inp: PlanningInput, bound: Bound) -> list[CannotBeOnTime]:
    """The bound's impossible visits as the coordinator knows them (a double-staffed visit once)."""
    found: dict[int, CannotBeOnTime] = {}
    for key, reason in bound.impossible.items():
        visit = inp.visits[key]
        found.setdefault(
            visit.decision_visit_id,
            CannotBeOnTime(
                decision_visit_id=visit.decision_visit_id,
                recipient_id=visit.recipient_id,
                label=visit.label,
                reason=reason,
                message=WHY_NOT_ON_TIME[reason],
            ),
        )
    return list(found.values())


def _solver_figures(
    inp: PlanningInput, solution: RoutingPlan, bound: Bound | None
) -> tuple[dict[str, object], PlanStats]:
    """The objective as the solver weighed it, and the statistics with the independent check's verdict and
    the bound on visits on time (computed here unless the solving worker brought it)."""
    assert inp.problem is not None
    verdict = check(inp.problem, solution, solution.weights)
    bound = bound or on_time_bound(inp.problem)
    o = solution.objective
    objective: dict[str, object] = {
        "lateness_total_s": o.lateness_total,
        "lateness_max_s": o.lateness_max,
        "travel_s": o.travel,
        "continuity_misses": o.continuity_misses,
        "dropped": o.dropped_mandatory + o.dropped_optional,
        "weighted_total": o.weighted_total,
        "anchor_deviation_s": o.anchor_deviation,
        "idle_carers": o.idle_carers,
    }
    stats = PlanStats(
        engine=solution.stats.engine,
        status=solution.stats.status,
        wall_time_s=round(solution.stats.wall_time_s, 2),
        solutions_found=solution.stats.solutions_found,
        visits=len({v.decision_visit_id for v in inp.visits.values()}),
        carers=len(inp.carers),
        check_feasible=verdict.feasible,
        violations=[v.message for v in verdict.violations][:20],
        notes=list(solution.notes),
        weights=dataclasses.asdict(solution.weights),
        on_time=solution.on_time(),
        solver_visits=bound.visits,
        bound_on_time=bound.on_time_max,
        bound_method=bound.method,
        bound_lateness_min_s=bound.lateness_min_s,
        cannot_be_on_time=_cannot_be_on_time(inp, bound),
    )
    return objective, stats


def unassigned_of(inp: PlanningInput, solution: RoutingPlan | None) -> list[UnassignedVisit]:
    """One entry per vedtak visit left out (both halves of a double-staffed visit count once)."""
    found: dict[int, UnassignedVisit] = {}
    reasons = [(key, reason, message) for key, (reason, message) in inp.excluded.items()]
    if solution is not None:
        reasons += [(u.visit_id, u.reason, u.message) for u in solution.unassigned]
    suggestions = suggest_windows(inp, solution) if solution else {}
    for key, reason, message in reasons:
        visit = inp.visits[key]
        if visit.decision_visit_id in found:
            continue
        found[visit.decision_visit_id] = UnassignedVisit(
            visit_key=key,
            decision_visit_id=visit.decision_visit_id,
            recipient_id=visit.recipient_id,
            label=visit.label,
            window_start=visit.window_start,
            window_end=visit.window_end,
            minutes=visit.minutes,
            reason=reason,
            message=message,
            alternatives=suggestions.get(key, []),
        )
    return list(found.values())


def store_plan(
    session: Session,
    inp: PlanningInput,
    solution: RoutingPlan | None,
    *,
    created_by: int | None,
    base: Plan | None = None,
    fixed: Sequence[tuple[int, Stop]] = (),
    affected_carers: Sequence[int] = (),
    bound: Bound | None = None,
) -> Plan:
    """One draft plan in one transaction: a route per carer on shift (kept stops first, then the solver's)."""
    plan = Plan(
        date=inp.day,
        team_id=inp.team.id or 0,
        shift_kind=inp.shift_kind,
        source=SOURCES.get(solution.stats.engine, "solver") if solution is not None else "solver",
        created_by=created_by,
        issues=[i.as_dict() for i in inp.issues],
        base_plan_id=base.id if base else None,
    )
    stamp_draft(session, plan)
    session.add(plan)
    session.flush()
    stops_by_carer = _carried_over(fixed)
    kept_travel = {carer_id: sum(s.travel_seconds for s in kept) for carer_id, kept in stops_by_carer.items()}
    if solution is not None and inp.problem is not None:
        for carer_id, stops in solved_stops(inp, solution).items():
            stops_by_carer[carer_id].extend(stops)
    carer_ids = {c.carer.id or 0 for c in inp.carers.values()} | set(stops_by_carer)
    for carer_id in sorted(carer_ids):
        row = route_row(inp, solution, plan_id=plan.id or 0, carer_id=carer_id)
        row.travel_seconds += kept_travel.get(carer_id, 0)  # the day's travel, not only the rest's
        session.add(row)
        session.flush()
        for seq, stop in enumerate(sorted(stops_by_carer[carer_id], key=lambda s: s.planned_start)):
            stop.route_id, stop.seq = row.id or 0, seq
            session.add(stop)
    plan.unassigned = [u.model_dump(mode="json") for u in unassigned_of(inp, solution)]
    if solution is not None and inp.problem is not None:
        objective, stats = _solver_figures(inp, solution, bound)
        plan.objective = _with_kept_lateness(objective, fixed)
        plan.stats = stats.model_dump(mode="json", exclude_none=True)
    if base is not None:
        session.add(plan)
        session.flush()
        plan.diff = plan_diff(
            session, base_plan_id=base.id or 0, new_plan_id=plan.id or 0, affected_carers=affected_carers
        ).model_dump(mode="json")
    session.add(plan)
    session.commit()
    session.refresh(plan)
    return plan
