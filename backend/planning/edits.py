"""Hand edits on a plan: move a visit to another carer or place in the order, take it out, put an
unassigned visit in.

An edit works on the rest of the plan's day as a re-plan sees it (`flows.rest_of_day`: what is done or in
progress stays, each carer from where they are now). The stored plan becomes a routing plan at its stored
times; only the routes the edit touches are re-timed (`routing.insertion.timed_route`, not strict), and
`routing.check` judges the whole plan before and after: a rule the edit breaks (competence, double
staffing, a hard window, the shift's end, the break) blocks it with the rule named; lateness it causes is
shown as a consequence. An accepted edit is a new draft based on the edited plan (its diff shows what
changed; undo is deleting it), published like any draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from sqlmodel import Session

from backend.auth.service import Principal
from backend.common.lateness import lateness_minutes
from backend.errors import Conflict, InvalidInput
from backend.planning.commands import replan_start
from backend.planning.flows import RestOfDay, StatusReader, rest_of_day
from backend.planning.models import InsertOption, Plan, PlanEditIn, Stop
from backend.planning.service import plan_in_scope, routes_of
from backend.planning.store import store_plan
from backend.planning.translate import PlanningInput, carer_id_of, carer_key, stop_key
from backend.settings import Settings
from routing import Plan as RoutingPlan
from routing import check
from routing.check import CheckResult, Violation
from routing.insertion import insertions, timed_route
from routing.params import Weights
from routing.plan import Objective, Route, SolverStats, Unassigned
from routing.plan import Stop as RoutingStop

BY_HAND = ("by_hand", "Tatt ut av kjørelisten for hånd.")
RULES = {
    "window": "{visit} kan ikke starte innen sin faste tid",
    "timing": "{carer} rekker ikke fram til {visit}",
    "competence": "{carer} har ikke kompetansen {visit} krever (eller er utelukket fra besøket)",
    "link": "{visit} må holde tiden mot besøket det er koblet til (dobbeltbemanning eller tid mellom måltider)",
    "shift": "{carer} blir ikke ferdig innen vaktslutt",
    "break": "{carer} mister pausen",
    "capacity": "{carer} får for mange besøk",
    "double_service": "{visit} blir lagt inn to ganger",
    "missing": "{visit} forsvinner fra planen",
}


def _frame(session: Session, plan: Plan, status_of: StatusReader, settings: Settings) -> RestOfDay:
    now = replan_start(plan, None)  # 409 when the day is over
    frame = rest_of_day(
        session, base=plan, from_time=now, status_of=status_of, settings=settings, pin_unaffected=False
    )
    if frame.inp.problem is None:
        raise Conflict("Ingen pleiere er på vakt resten av denne vakten; planen kan ikke endres.")
    return frame


def as_stored(session: Session, frame: RestOfDay, plan: Plan) -> tuple[RoutingPlan, dict[int, str]]:
    """The plan's visits still to do as routing routes at their stored times, and each stop's visit key."""
    inp = frame.inp
    problem = inp.problem
    assert problem is not None
    keys: dict[int, str] = {}
    stops_of: dict[str, list[RoutingStop]] = {c.id: [] for c in problem.carers}
    breaks_of: dict[str, tuple[int, ...]] = {}
    for route, stops in routes_of(session, plan.id or 0):
        key_of_carer = carer_key(route.carer_id)
        if route.break_start is not None:
            breaks_of[key_of_carer] = (inp.seconds(route.break_start),)
        for stop in stops:
            key = stop_key(stop.visit_key, stop.decision_visit_id)
            if frame.kept.previous.get(key) != key_of_carer or key_of_carer not in stops_of:
                continue  # done, in progress or passed; or its carer is off the rest of the shift
            if key not in problem.visit_index:
                continue  # no longer plannable (an address off the network, a link to another shift)
            keys[stop.id or 0] = key
            stops_of[key_of_carer].append(_routing_stop(inp, stop, key))
    routes = tuple(
        _route(inp, carer.id, tuple(stops_of[carer.id]), breaks_of.get(carer.id, ()) if carer.breaks else ())
        for carer in problem.carers
    )
    reasons = {u.decision_visit_id: (u.reason, u.message) for u in plan.unassigned_visits()}
    return _with_unassigned(inp, routes, reasons), keys


def _routing_stop(inp: PlanningInput, stop: Stop, key: str) -> RoutingStop:
    arrival, start = inp.seconds(stop.planned_arrival), inp.seconds(stop.planned_start)
    return RoutingStop(
        key, arrival, start, inp.seconds(stop.planned_end), start - arrival, stop.lateness_seconds
    )


def _route(
    inp: PlanningInput, carer_id: str, stops: tuple[RoutingStop, ...], breaks: tuple[int, ...]
) -> Route:
    """A route with the travel and return time its stops imply."""
    problem = inp.problem
    assert problem is not None
    carer = problem.carers[problem.carer_index[carer_id]]
    place, travel, clock = carer.start_location, 0, carer.shift_start
    for stop in stops:
        location = problem.visits[problem.visit_index[stop.visit_id]].location
        travel += problem.travel(carer.profile, place, location)
        place, clock = location, stop.end
    back = problem.travel(carer.profile, place, carer.end_location)
    return Route(carer_id, stops, carer.shift_start, clock + back, travel + back, breaks)


def _with_unassigned(
    inp: PlanningInput, routes: tuple[Route, ...], reasons: dict[int, tuple[str, str]]
) -> RoutingPlan:
    """A routing plan of `routes`: every other visit of the problem unassigned (with its earlier reason),
    the objective as `routing.check` computes it."""
    problem = inp.problem
    assert problem is not None
    routed = {s.visit_id for r in routes for s in r.stops}
    unassigned = tuple(
        Unassigned(v.id, *reasons.get(inp.visits[v.id].decision_visit_id, BY_HAND))
        for v in problem.visits
        if v.id not in routed
    )
    draft = RoutingPlan(routes, unassigned, Objective(), SolverStats("hand edit", 0.0, 0, engine="hand-edit"))
    verdict = check(problem, draft, Weights())
    objective = Objective(
        verdict.lateness_total,
        verdict.lateness_max,
        verdict.travel,
        verdict.continuity_misses,
        verdict.dropped_mandatory,
        verdict.dropped_optional,
        verdict.weighted_total,
        anchor_deviation=verdict.anchor_deviation,
    )
    return replace(
        draft, objective=objective, stats=replace(draft.stats, objective_value=verdict.weighted_total)
    )


def _sequences(plan: RoutingPlan) -> dict[str, list[str]]:
    return {r.carer_id: [s.visit_id for s in r.stops] for r in plan.routes}


def _place(sequence: list[str], key: str, position: int | None, who: str) -> None:
    if position is None:
        sequence.append(key)
        return
    if position > len(sequence):
        raise InvalidInput(
            f"{who} har {len(sequence)} besøk igjen; plass {position + 1} finnes ikke.", field="position"
        )
    sequence.insert(position, key)


def _edited_sequences(
    frame: RestOfDay, before: RoutingPlan, keys: dict[int, str], edit: PlanEditIn
) -> tuple[dict[str, list[str]], set[str]]:
    """The routes' visit orders after the edit, and which routes it touched (validated first)."""
    inp = frame.inp
    sequences = _sequences(before)
    target = carer_key(edit.carer_id) if edit.carer_id is not None else None
    if target is not None and target not in sequences:
        raise InvalidInput(
            f"Pleier {edit.carer_id} er ikke på vakt resten av denne vakten i planen.", field="carer_id"
        )
    who = inp.carers[target].carer.name if target else ""
    if edit.action == "insert":
        routed = {k for seq in sequences.values() for k in seq}
        wanted = [k for k, v in inp.visits.items() if v.decision_visit_id == edit.decision_visit_id]
        if not wanted or any(k in routed for k in wanted) or any(k in frame.kept.previous for k in wanted):
            raise InvalidInput(
                "Besøket er ikke blant planens ikke planlagte besøk.", field="decision_visit_id"
            )
        if len(wanted) > 1:
            raise InvalidInput(
                "Et dobbeltbemannet besøk legges inn av «Optimaliser resten», som finner to pleiere samtidig.",
                field="decision_visit_id",
            )
        assert target is not None
        position = (
            edit.position if edit.position is not None else _best_position(inp, before, wanted[0], target)
        )
        _place(sequences[target], wanted[0], position, who)
        return sequences, {target}
    assert edit.stop_id is not None
    key = keys.get(edit.stop_id)
    if key is None:
        raise Conflict(
            "Besøket finnes ikke blant planens besøk som gjenstår (utført, påbegynt eller passert)."
        )
    source = next(c for c, seq in sequences.items() if key in seq)
    if key in inp.hand_pinned and (edit.action == "remove" or target != source):
        raise Conflict(f"Besøket er festet til {inp.carers[source].carer.name}; løsne det først.")
    sequences[source].remove(key)
    if edit.action == "remove":
        return sequences, {source}
    assert target is not None
    _place(sequences[target], key, edit.position, who)
    return sequences, {source, target}


def _best_position(inp: PlanningInput, before: RoutingPlan, key: str, carer: str) -> int | None:
    problem = inp.problem
    assert problem is not None
    visit = problem.visits[problem.visit_index[key]]
    best = next((i for i in insertions(problem, before, visit) if i.carer_id == carer), None)
    return best.position if best else None


def _retimed(
    inp: PlanningInput, before: RoutingPlan, sequences: dict[str, list[str]], touched: set[str]
) -> RoutingPlan:
    problem = inp.problem
    assert problem is not None
    linked_ids = {vid for link in problem.links for vid in (link.first, link.second)}
    linked = {s.visit_id: s.start for r in before.routes for s in r.stops if s.visit_id in linked_ids}
    routes = []
    for route in before.routes:
        if route.carer_id in touched:
            carer = problem.carers[problem.carer_index[route.carer_id]]
            sequence = [problem.visits[problem.visit_index[k]] for k in sequences[route.carer_id]]
            timed = timed_route(problem, carer, route, sequence, linked, strict=False)
            assert timed is not None  # not strict: always timed
            route = timed
        routes.append(route)
    reasons = {inp.visits[u.visit_id].decision_visit_id: (u.reason, u.message) for u in before.unassigned}
    return _with_unassigned(inp, tuple(routes), reasons)


def _explain(inp: PlanningInput, after: RoutingPlan, violation: Violation) -> str:
    """A rule the edit breaks, with the names a coordinator knows."""
    visit = inp.visits.get(violation.subject)
    serving = next(
        (r.carer_id for r in after.routes for s in r.stops if s.visit_id == violation.subject), None
    )
    carer_of = inp.carers.get(serving or violation.subject)
    visit_text = "besøket"
    if visit is not None:
        person = inp.recipients.get(visit.recipient_id)
        visit_text = f"{visit.label} hos {person.name}" if person else visit.label
    return RULES.get(violation.kind, "{visit}: " + violation.message).format(
        visit=visit_text, carer=carer_of.carer.name if carer_of else "Pleieren"
    )


def _new_violations(before: CheckResult, after: CheckResult) -> list[Violation]:
    known = {(v.kind, v.subject) for v in before.violations}
    return [v for v in after.violations if (v.kind, v.subject) not in known]


def apply_edit(
    session: Session,
    *,
    principal: Principal,
    plan_id: int,
    edit: PlanEditIn,
    status_of: StatusReader,
    settings: Settings,
) -> Plan:
    """The plan with one hand edit, as a new draft, or a 4xx naming why not (nothing is stored then)."""
    plan = plan_in_scope(session, principal=principal, plan_id=plan_id)
    frame = _frame(session, plan, status_of, settings)
    problem = frame.inp.problem
    assert problem is not None
    before, keys = as_stored(session, frame, plan)
    sequences, touched = _edited_sequences(frame, before, keys, edit)
    after = _retimed(frame.inp, before, sequences, touched)
    broken = _new_violations(check(problem, before), check(problem, after))
    if broken:
        reasons = "; ".join(dict.fromkeys(_explain(frame.inp, after, v) for v in broken))
        raise InvalidInput(f"Endringen bryter en regel: {reasons}.", field="action")
    return store_plan(
        session,
        frame.inp,
        after,
        created_by=principal.user_id,
        base=plan,
        fixed=frame.kept.fixed,
        affected_carers=sorted(carer_id_of(c) for c in touched),
    )


def insert_options(
    session: Session,
    *,
    principal: Principal,
    plan_id: int,
    decision_visit_id: int,
    status_of: StatusReader,
    settings: Settings,
    limit: int = 8,
) -> list[InsertOption]:
    """Where an unassigned visit fits in the rest of the day without pushing another visit out of its
    window, the least added travel first."""
    plan = plan_in_scope(session, principal=principal, plan_id=plan_id)
    frame = _frame(session, plan, status_of, settings)
    problem = frame.inp.problem
    assert problem is not None
    before, _ = as_stored(session, frame, plan)
    wanted = [k for k, v in frame.inp.visits.items() if v.decision_visit_id == decision_visit_id]
    unassigned = {u.visit_id for u in before.unassigned}
    if len(wanted) != 1 or wanted[0] not in unassigned:
        raise InvalidInput("Besøket er ikke blant planens ikke planlagte besøk.", field="decision_visit_id")
    visit = problem.visits[problem.visit_index[wanted[0]]]
    return [
        _option(
            frame.inp, option.carer_id, option.position, option.route.stops, wanted[0], option.added_travel
        )
        for option in insertions(problem, before, visit)[:limit]
    ]


def _option(
    inp: PlanningInput, carer: str, position: int, stops: Sequence[RoutingStop], key: str, added: int
) -> InsertOption:
    stop = next(s for s in stops if s.visit_id == key)
    start: dt.datetime = inp.instant(stop.start)
    return InsertOption(
        carer_id=carer_id_of(carer),
        carer_name=inp.carers[carer].carer.name,
        position=position,
        start=start,
        lateness_minutes=lateness_minutes(start, inp.visits[key].window_end),
        added_travel_minutes=round(added / 60),
    )
