"""The planning service: vedtak + rota + road network → solved, validated, stored draft plans.

`plan_teams` makes the kjørelister of several teams at once (so a team without a nurse on shift can borrow
one from another team); `replan` makes a new plan for the rest of the day after a sick call or an urgent
visit, keeping what is done and changing other carers' routes as little as possible.
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any

from sqlmodel import Session, col, select

from backend.carers.competence import is_nurse
from backend.carers.models import Carer
from backend.common.crud import get_or_404
from backend.common.enums import PlanStatus, ShiftKind
from backend.common.localtime import local_clock
from backend.decisions.expansion import DayVisit, visits_for
from backend.errors import Conflict
from backend.municipality.models import MunicipalitySettings
from backend.planning import networks
from backend.planning.alternatives import suggest_windows
from backend.planning.diff import plan_diff
from backend.planning.models import Plan, Route, Stop
from backend.planning.problem_builder import (
    Issue,
    PlanningInput,
    ReplanContext,
    ShiftCarer,
    build_input,
    shift_of,
    visit_keys,
)
from backend.planning.service import routes_of, stops_with_status
from backend.recipients.models import Recipient
from backend.rota.models import Absence
from backend.rota.service import carers_on_shift
from backend.settings import Settings, active_settings
from backend.teams.models import Team
from maps import Point
from routing import Plan as RoutingPlan
from routing import Problem, SolveParams, Weights, check, solve
from routing.baseline import plan_manual_like

CONTINUITY_DAYS = 14
PINNED_SHARE = 0.6  # of the re-plan time spent with unaffected routes pinned
STABILITY_WEIGHT = 3000  # a re-plan moves a visit to another carer only to save ≥ 5 min of lateness
# once unaffected visits are freed, travel alone must never justify a move: lateness weighs 100× travel
FREED_WEIGHTS = Weights(lateness_per_second=100, continuity_miss=STABILITY_WEIGHT * 10)
Progress = Callable[[dict[str, Any]], None]


def _free_part(
    start: dt.datetime, end: dt.datetime, absences: Sequence[Absence]
) -> tuple[dt.datetime, dt.datetime] | None:
    """The longest part of [start, end) not covered by an absence."""
    free = [(start, end)]
    for absence in absences:
        pieces = []
        for a, b in free:
            if absence.end <= a or absence.start >= b:
                pieces.append((a, b))
                continue
            if absence.start > a:
                pieces.append((a, absence.start))
            if absence.end < b:
                pieces.append((absence.end, b))
        free = pieces
    return max(free, key=lambda p: p[1] - p[0], default=None)


def shift_carers(
    session: Session, *, day: dt.date, shift_kind: ShiftKind, team: Team
) -> tuple[list[ShiftCarer], list[Issue]]:
    """The team's carers on the shift with the part of it they can work; absences become issues."""
    result, issues = [], []
    for entry, absences in carers_on_shift(session, day=day, team_id=team.id or 0):
        if entry.shift_kind != shift_kind:
            continue
        carer = get_or_404(session, Carer, entry.carer_id, "Pleier")
        free = _free_part(entry.start, entry.end, absences)
        if free is None or free[1] - free[0] < dt.timedelta(minutes=30):
            issues.append(Issue("absent", f"{carer.name} er borte hele vakten.", carer_id=carer.id))
            continue
        if free != (entry.start, entry.end):
            issues.append(
                Issue(
                    "absent",
                    f"{carer.name} er bare på jobb {local_clock(free[0])}–{local_clock(free[1])}.",
                    carer_id=carer.id,
                )
            )
        result.append(
            ShiftCarer(
                carer, team, free[0], free[1], entry.break_earliest, entry.break_latest, entry.break_minutes
            )
        )
    return result, issues


def recent_carers(
    session: Session, *, recipient_ids: Sequence[int], day: dt.date
) -> dict[int, frozenset[int]]:
    """Continuity: the primary contact and whoever visited in published plans of the last 14 days."""
    known: dict[int, set[int]] = defaultdict(set)
    for recipient in session.exec(select(Recipient).where(col(Recipient.id).in_(recipient_ids))):
        if recipient.primary_carer_id is not None and recipient.id is not None:
            known[recipient.id].add(recipient.primary_carer_id)
    rows = session.exec(
        select(Stop.recipient_id, Route.carer_id)
        .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .where(
            Plan.status == PlanStatus.published,
            Plan.date >= day - dt.timedelta(days=CONTINUITY_DAYS),
            Plan.date < day,
            col(Stop.recipient_id).in_(recipient_ids),
        )
    ).all()
    for recipient_id, carer_id in rows:
        known[recipient_id].add(carer_id)
    return {rid: frozenset(carers) for rid, carers in known.items()}


def _distance_km(a: Team, b: Team) -> float:
    dlat = math.radians(b.base_lat - a.base_lat)
    dlon = math.radians(b.base_lon - a.base_lon) * math.cos(math.radians(a.base_lat))
    return 6371 * math.hypot(dlat, dlon)


def _lend_nurse_visits(
    teams: list[Team],
    visits: dict[int, list[DayVisit]],
    carers: dict[int, list[ShiftCarer]],
    issues: dict[int, list[Issue]],
) -> None:
    """Nurse-only visits of a team with no nurse on shift go to the nearest team that has one."""
    with_nurse = [t for t in teams if any(is_nurse(c.carer.competences) for c in carers[t.id or 0])]
    for team in teams:
        if team in with_nurse or not with_nurse:
            continue
        host = min(with_nurse, key=lambda t: _distance_km(team, t))
        lend = [v for v in visits[team.id or 0] if v.needs_nurse and not v.links]
        if not lend:
            continue
        visits[team.id or 0] = [v for v in visits[team.id or 0] if v not in lend]
        visits[host.id or 0] = visits[host.id or 0] + lend
        issues[team.id or 0].append(
            Issue("lent", f"{len(lend)} besøk som krever sykepleier er lagt til sykepleier i {host.name}.")
        )
        issues[host.id or 0].append(
            Issue(
                "borrowed", f"{len(lend)} sykepleierbesøk fra {team.name} er lagt inn (ingen sykepleier der)."
            )
        )


def _solve_all(
    inputs: list[PlanningInput], params: list[SolveParams], workers: int
) -> list[RoutingPlan | None]:
    jobs = [(i, inp.problem, p) for i, (inp, p) in enumerate(zip(inputs, params, strict=True)) if inp.problem]
    results: list[RoutingPlan | None] = [None] * len(inputs)
    if len(jobs) <= 1 or workers <= 1:
        for i, problem, p in jobs:
            assert problem is not None
            results[i] = solve(problem, p)
        return results
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = {i: pool.submit(solve, problem, p) for i, problem, p in jobs}
        for i, future in futures.items():
            results[i] = future.result()
    return results


def _recipients(session: Session, visits: Sequence[DayVisit]) -> dict[int, Recipient]:
    ids = sorted({v.recipient_id for v in visits})
    return {r.id or 0: r for r in session.exec(select(Recipient).where(col(Recipient.id).in_(ids)))}


def _municipality(session: Session) -> MunicipalitySettings:
    return session.get(MunicipalitySettings, 1) or MunicipalitySettings(id=1, name="")


def store_plan(
    session: Session,
    inp: PlanningInput,
    solution: RoutingPlan | None,
    *,
    created_by: int | None,
    base: Plan | None = None,
    fixed: Sequence[tuple[int, Stop]] = (),
    affected_carers: Sequence[int] = (),
) -> Plan:
    """One draft plan: a route per carer on shift (fixed stops first), unassigned visits with reasons and
    suggested windows, the objective, solver statistics and the validator's verdict."""
    plan = Plan(
        date=inp.day,
        team_id=inp.team.id or 0,
        shift_kind=inp.shift_kind,
        source="manual_like" if solution is not None and solution.stats.engine == "manual-like" else "solver",
        created_by=created_by,
        issues=[i.as_dict() for i in inp.issues],
        base_plan_id=base.id if base else None,
    )
    session.add(plan)
    session.flush()
    stops_by_carer: dict[int, list[Stop]] = defaultdict(list)
    for carer_id, old in fixed:
        stops_by_carer[carer_id].append(
            Stop(
                **old.model_dump(exclude={"id", "route_id", "origin_stop_id", "fixed"}),
                route_id=0,
                fixed=True,
                origin_stop_id=old.origin_stop_id or old.id,
            )
        )
    routes_by_carer = {r.carer_id: r for r in solution.routes} if solution else {}
    carer_ids = {c.carer.id or 0 for c in inp.carers.values()} | set(stops_by_carer)
    for key, shift_carer in inp.carers.items():
        route = routes_by_carer.get(key)
        if route is None or inp.problem is None:
            continue
        carer = inp.problem.carers[inp.problem.carer_index[key]]
        matrix = inp.problem.matrices[carer.profile]
        place = carer.start_location
        for stop in route.stops:
            visit = inp.visits[stop.visit_id]
            location = inp.problem.visits[inp.problem.visit_index[stop.visit_id]].location
            stops_by_carer[shift_carer.carer.id or 0].append(
                Stop(
                    route_id=0,
                    seq=0,
                    recipient_id=visit.recipient_id,
                    decision_visit_id=visit.decision_visit_id,
                    window_start=visit.window_start,
                    window_end=visit.window_end,
                    planned_arrival=inp.instant(stop.arrival),
                    planned_start=inp.instant(stop.start),
                    planned_end=inp.instant(stop.end),
                    travel_seconds=int(matrix[place, location]),
                    visit_key=stop.visit_id,
                )
            )
            place = location
    for carer_id in sorted(carer_ids):
        on_shift = inp.carers.get(f"c{carer_id}")
        routed = routes_by_carer.get(f"c{carer_id}")
        row = Route(
            plan_id=plan.id or 0,
            carer_id=carer_id,
            shift_start=on_shift.start if on_shift else None,
            shift_end=on_shift.end if on_shift else None,
            break_start=inp.instant(routed.break_starts[0]) if routed and routed.break_starts else None,
            break_minutes=on_shift.break_minutes if routed and routed.break_starts and on_shift else 0,
            travel_seconds=routed.travel_time if routed else 0,
        )
        session.add(row)
        session.flush()
        for seq, row_stop in enumerate(sorted(stops_by_carer[carer_id], key=lambda s: s.planned_start)):
            row_stop.route_id, row_stop.seq = row.id or 0, seq
            session.add(row_stop)
    plan.unassigned = _unassigned(inp, solution)
    if solution is not None and inp.problem is not None:
        verdict = check(inp.problem, solution)
        plan.objective = {
            "lateness_total_s": verdict.lateness_total,
            "lateness_max_s": verdict.lateness_max,
            "travel_s": verdict.travel,
            "continuity_misses": verdict.continuity_misses,
            "dropped": verdict.dropped_mandatory + verdict.dropped_optional,
            "weighted_total": verdict.weighted_total,
        }
        plan.stats = {
            "engine": solution.stats.engine,
            "status": solution.stats.status,
            "wall_time_s": round(solution.stats.wall_time_s, 2),
            "solutions_found": solution.stats.solutions_found,
            "visits": len({v.decision_visit_id for v in inp.visits.values()}),
            "carers": len(inp.carers),
            "check_feasible": verdict.feasible,
            "violations": [v.message for v in verdict.violations][:20],
            "notes": list(solution.notes),
        }
    if base is not None:
        session.add(plan)
        session.flush()
        plan.diff = plan_diff(
            session, base_plan_id=base.id or 0, new_plan_id=plan.id or 0, affected_carers=affected_carers
        )
    session.add(plan)
    session.commit()
    session.refresh(plan)
    return plan


def _unassigned(inp: PlanningInput, solution: RoutingPlan | None) -> list[dict[str, object]]:
    found: dict[int, dict[str, object]] = {}
    reasons = [(key, reason, message) for key, (reason, message) in inp.excluded.items()]
    if solution is not None:
        reasons += [(u.visit_id, u.reason, u.message) for u in solution.unassigned]
    suggestions = suggest_windows(inp, solution) if solution else {}
    for key, reason, message in reasons:
        visit = inp.visits[key]
        if visit.decision_visit_id in found:
            continue
        found[visit.decision_visit_id] = {
            "visit_key": key,
            "decision_visit_id": visit.decision_visit_id,
            "recipient_id": visit.recipient_id,
            "label": visit.label,
            "window_start": visit.window_start.isoformat(),
            "window_end": visit.window_end.isoformat(),
            "minutes": visit.minutes,
            "reason": reason,
            "message": message,
            "alternatives": suggestions.get(key, []),
        }
    return list(found.values())


RELAXED_SHARE = 0.4  # of the rescue time spent on the problem without links


def rescue(problem: Problem, seconds: float) -> RoutingPlan:
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


def plan_teams(
    session: Session,
    *,
    day: dt.date,
    shift_kind: ShiftKind,
    team_ids: Sequence[int],
    created_by: int | None,
    progress: Progress | None = None,
    settings: Settings | None = None,
    manual_like: bool = False,
) -> list[Plan]:
    """Draft plans for the teams' shift, solved in parallel; each validated by `routing.check`.
    `manual_like`: lay the lists as a coordinator does by hand (the baseline the simulator measures against)."""
    settings = settings or active_settings()
    report = progress or (lambda _: None)
    teams = [get_or_404(session, Team, tid, "Team") for tid in team_ids]
    municipality = _municipality(session)
    visits: dict[int, list[DayVisit]] = {}
    carers: dict[int, list[ShiftCarer]] = {}
    issues: dict[int, list[Issue]] = {}
    for team in teams:
        tid = team.id or 0
        visits[tid] = [v for v in visits_for(session, day=day, team_id=tid) if shift_of(v) == shift_kind]
        carers[tid], issues[tid] = shift_carers(session, day=day, shift_kind=shift_kind, team=team)
    if municipality.allow_cross_team_nurses:
        _lend_nurse_visits(teams, visits, carers, issues)
    report({"stage": "matriser", "done": 0, "total": len(teams)})
    inputs = []
    for team in teams:
        tid = team.id or 0
        recipients = _recipients(session, visits[tid])
        preferred = recent_carers(session, recipient_ids=sorted(recipients), day=day)
        inp = build_input(
            day=day,
            shift_kind=shift_kind,
            team=team,
            visits=visits[tid],
            carers=carers[tid],
            recipients=recipients,
            preferred=preferred,
            network_for=networks.network_for,
            early_tolerance_minutes=municipality.early_tolerance_minutes,
        )
        inp.issues = issues[tid] + inp.issues
        inputs.append(inp)
    report({"stage": "løser", "done": 0, "total": len(teams)})
    params = [SolveParams(time_limit_s=settings.plan_seconds_per_team) for _ in inputs]
    solutions = (
        [plan_manual_like(inp.problem) if inp.problem else None for inp in inputs]
        if manual_like
        else _solve_all(inputs, params, settings.plan_workers)
    )
    for index, (inp, solution) in enumerate(zip(inputs, solutions, strict=True)):
        if (
            inp.problem is not None
            and inp.problem.visits
            and solution is not None
            and not solution.stats.solutions_found
        ):
            solutions[index] = rescue(inp.problem, settings.plan_seconds_per_team)
    plans = []
    for done, (inp, solution) in enumerate(zip(inputs, solutions, strict=True), start=1):
        plans.append(store_plan(session, inp, solution, created_by=created_by))
        report({"stage": "lagrer", "done": done, "total": len(teams), "plan_ids": [p.id for p in plans]})
    return plans


def _worse_for_recipients(candidate: RoutingPlan, reference: RoutingPlan) -> bool:
    """Fewer visits left out first, then less lateness: the only grounds for moving unaffected stops."""

    def key(plan: RoutingPlan) -> tuple[int, int]:
        o = plan.objective
        return o.dropped_mandatory + o.dropped_optional, o.lateness_total

    return key(candidate) >= key(reference)


def _summary(plan: RoutingPlan) -> str:
    o = plan.objective
    return f"dropped={o.dropped_mandatory + o.dropped_optional} lateness_min={o.lateness_total // 60}"


def solve_keeping_unaffected(
    pinned_problem: Problem, initial_routes: Mapping[str, tuple[str, ...]] | None, seconds: float
) -> tuple[Problem, RoutingPlan]:
    """Re-plan in two phases: first with every unaffected carer's visits pinned to that carer, so only the
    absent carer's visits find new places; then freed, warm-started from the first answer, and kept only if
    fewer visits are left out or lateness drops. Unaffected stops thus move only when that helps recipients."""
    weights = Weights(continuity_miss=STABILITY_WEIGHT)
    first = solve(
        pinned_problem,
        SolveParams(
            time_limit_s=seconds * PINNED_SHARE, weights=weights, initial_routes=initial_routes or None
        ),
    )
    if not any(v.pinned_carer for v in pinned_problem.visits):
        return pinned_problem, first
    free = replace(pinned_problem, visits=tuple(replace(v, pinned_carer=None) for v in pinned_problem.visits))
    warm = {r.carer_id: tuple(s.visit_id for s in r.stops) for r in first.routes}
    second = solve(
        free,
        SolveParams(time_limit_s=seconds * (1 - PINNED_SHARE), weights=FREED_WEIGHTS, initial_routes=warm),
    )
    summary = f"pinned {_summary(first)}; freed {_summary(second)}"
    if _worse_for_recipients(second, first):
        return pinned_problem, replace(first, notes=(*first.notes, f"unaffected routes kept ({summary})"))
    return free, replace(second, notes=(*second.notes, f"unaffected stops moved to cut lateness ({summary})"))


def replan(
    session: Session,
    *,
    plan_id: int,
    from_time: dt.datetime,
    created_by: int | None,
    settings: Settings | None = None,
) -> Plan:
    """A new draft for the rest of the day from `from_time`: done, started and past stops stay as they
    were; every other visit is planned again with a preference for the carer it had."""
    settings = settings or active_settings()
    base = get_or_404(session, Plan, plan_id, "Plan")
    if base.status == PlanStatus.superseded:
        raise Conflict("Planen er erstattet av en nyere; planlegg om fra den publiserte planen.")
    team = get_or_404(session, Team, base.team_id, "Team")
    municipality = _municipality(session)
    fixed: list[tuple[int, Stop]] = []
    previous: dict[str, str] = {}
    initial: dict[str, list[str]] = defaultdict(list)
    last_place: dict[int, tuple[Point, dt.datetime]] = {}
    visit_ids_in_base: set[int] = set()
    for route, stops in routes_of(session, base.id or 0):
        for stop, status in stops_with_status(session, stops):
            if stop.decision_visit_id is not None:
                visit_ids_in_base.add(stop.decision_visit_id)
            if status in ("done", "in_progress", "cancelled") or stop.planned_start < from_time:
                fixed.append((route.carer_id, stop))
                person = get_or_404(session, Recipient, stop.recipient_id, "Bruker")
                last_place[route.carer_id] = (Point(person.lat, person.lon, person.address), stop.planned_end)
            else:
                previous[stop.visit_key] = f"c{route.carer_id}"
                initial[f"c{route.carer_id}"].append(stop.visit_key)
    day_visits = [
        v for v in visits_for(session, day=base.date, team_id=team.id or 0) if shift_of(v) == base.shift_kind
    ]
    # visits lent to this team (nurse visits of another team) stay in its plan
    lent = visit_ids_in_base - {v.decision_visit_id for v in day_visits}
    if lent:
        for other in session.exec(select(Team).where(Team.id != team.id)):
            day_visits += [
                v
                for v in visits_for(session, day=base.date, team_id=other.id or 0)
                if v.decision_visit_id in lent
            ]
    done: set[str] = set()
    for _, stop in fixed:
        if stop.visit_key:
            done.add(stop.visit_key)
        else:  # a hand-laid plan: the stop stands for every half of its visit
            done.update(
                k for v in day_visits if v.decision_visit_id == stop.decision_visit_id for k in visit_keys(v)
            )
    done_keys = frozenset(done)
    shift, issues = shift_carers(session, day=base.date, shift_kind=base.shift_kind, team=team)
    rest = []
    for shift_carer in shift:
        begin = max(shift_carer.start, from_time)
        place = None
        if shift_carer.carer.id in last_place:
            point, busy_until = last_place[shift_carer.carer.id or 0]
            begin, place = max(begin, busy_until), point
        if begin < shift_carer.end:
            rest.append(replace(shift_carer, start=begin, start_place=place))
    still_working = {c.carer.id for c in rest if c.end >= c.start}
    base_routes = routes_of(session, base.id or 0)
    affected = sorted(
        r.carer_id
        for r, _ in base_routes
        if r.carer_id not in still_working
        or any(c.carer.id == r.carer_id and r.shift_end and c.end < r.shift_end for c in rest)
    )
    recipients = _recipients(session, day_visits)
    inp = build_input(
        day=base.date,
        shift_kind=base.shift_kind,
        team=team,
        visits=day_visits,
        carers=rest,
        recipients=recipients,
        preferred={},
        network_for=networks.network_for,
        early_tolerance_minutes=municipality.early_tolerance_minutes,
        replan=ReplanContext(
            done_keys,
            previous,
            {k: tuple(v) for k, v in initial.items()},
            pinned={k: c for k, c in previous.items() if int(c[1:]) not in affected},
        ),
    )
    inp.issues = issues + inp.issues
    solution = None
    if inp.problem is not None:
        inp.problem, solution = solve_keeping_unaffected(
            inp.problem, inp.initial_routes, settings.replan_seconds
        )
    return store_plan(
        session, inp, solution, created_by=created_by, base=base, fixed=fixed, affected_carers=affected
    )
