"""The planning flows: vedtak + rota + road network → solved, validated, stored draft plans.

`plan_teams` makes the kjørelister of several teams at once (so a team without a nurse on shift can borrow
one from another team); `replan` makes a new plan for the rest of the day after a sick call or an urgent
visit, keeping what is done and changing other carers' routes as little as possible. Gathering lives in
`gather`, the conversion to and from routing in `translate`, storing in `store`, and the solve strategies
(rescue, keep-unaffected) in `routing.strategies`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlmodel import Session, select

from backend.common.crud import get_or_404
from backend.common.enums import PlanStatus, ShiftKind, VisitStatus
from backend.common.lateness import lateness_seconds
from backend.decisions.expansion import DayVisit, visits_for
from backend.errors import Conflict
from backend.planning import networks, solver_pool
from backend.planning.gather import (
    CONTINUITY_DAYS,
    DAY_BY_DAY_CONTINUITY_DAYS,
    lend_nurse_visits,
    lent_away,
    linked_starts,
    municipality_settings,
    recent_carers,
    recipients_of,
    returning_carers,
    shift_carers,
    team_distance_km,
    usual_visits,
)
from backend.planning.lending import Build, TeamShift, lend_room
from backend.planning.models import Plan, Stop, StopProgress
from backend.planning.service import routes_of
from backend.planning.store import store_plan
from backend.planning.translate import (
    Issue,
    PlanningInput,
    ReplanContext,
    ShiftCarer,
    build_input,
    carer_id_of,
    carer_key,
    shift_of,
    stop_key,
    visit_keys,
)
from backend.recipients.models import Recipient
from backend.settings import Settings
from backend.teams.models import Team
from maps import Point
from routing import Plan as RoutingPlan
from routing import Problem, SolveParams, Weights
from routing.baseline import plan_manual_like
from routing.bound import Bound, on_time_bound
from routing.on_time import RESERVE_PER_S
from routing.strategies import solve_keeping_unaffected, solve_or_rescue

Progress = Callable[[dict[str, Any]], None]
# each stop with its progress: visits/ owns visit progress and sits above planning, so whoever starts a
# re-plan passes its reader in (backend.tasks)
StatusReader = Callable[[Session, list[Stop]], list[StopProgress]]


Solved = tuple[RoutingPlan, Bound]


def _solve_and_bound(problem: Problem, params: SolveParams) -> Solved:
    """A team's plan and what was possible at best, in the same worker process."""
    return solve_or_rescue(problem, params), on_time_bound(problem)


def _solve_all(inputs: list[PlanningInput], params: list[SolveParams], workers: int) -> list[Solved | None]:
    """Each team's problem solved (rescued where no first solution came) and bounded, in the solver processes
    (never in the serving process, also for one team)."""
    jobs = [(i, inp.problem, p) for i, (inp, p) in enumerate(zip(inputs, params, strict=True)) if inp.problem]
    results: list[Solved | None] = [None] * len(inputs)
    futures = {
        i: solver_pool.submit(workers, _solve_and_bound, problem, p) for i, problem, p in jobs if problem
    }
    for i, future in futures.items():
        results[i] = future.result()
    return results


def shift_input(
    session: Session,
    *,
    day: dt.date,
    shift_kind: ShiftKind,
    team: Team,
    visits: list[DayVisit],
    carers: list[ShiftCarer],
    settings: Settings,
    partner_starts: dict[int, dt.datetime] | None = None,
    anchored: bool = True,
) -> PlanningInput:
    """One team's shift as a routing input. `partner_starts`: where the visits linked to another shift's
    start (default: that shift's stored plan); `anchored`: with the usual times of the last week's plans and
    the week's continuity (the carers of the last seven days, then those the rota brings back); without it,
    or with the usual-time weight at 0, each day on its own (anybody seen in 14 days preferred)."""
    municipality = municipality_settings(session)
    recipients = recipients_of(session, visits)
    week_aware = bool(settings.usual_time_weight) and anchored
    known = recent_carers(
        session,
        recipient_ids=sorted(recipients),
        day=day,
        days=CONTINUITY_DAYS if week_aware else DAY_BY_DAY_CONTINUITY_DAYS,
    )
    on_shift = [c.carer.id or 0 for c in carers]
    return build_input(
        day=day,
        shift_kind=shift_kind,
        team=team,
        visits=visits,
        carers=carers,
        recipients=recipients,
        preferred=returning_carers(session, day=day, team_id=team.id or 0, preferred=known, on_shift=on_shift)
        if week_aware
        else known,
        network_for=networks.of(settings),
        early_tolerance_minutes=municipality.early_tolerance_minutes,
        partner_starts=linked_starts(session, day=day, shift_kind=shift_kind, visits=visits)
        if partner_starts is None
        else partner_starts,
        usual=usual_visits(session, decision_visit_ids=[v.decision_visit_id for v in visits], day=day)
        if week_aware
        else {},
    )


def _team_shifts(
    session: Session,
    *,
    day: dt.date,
    shift_kind: ShiftKind,
    teams: list[Team],
    settings: Settings,
    params: SolveParams,
) -> list[TeamShift]:
    """The routing input of each team's shift, nurse visits lent where a team has no nurse on shift."""
    municipality = municipality_settings(session)
    visits: dict[int, list[DayVisit]] = {}
    carers: dict[int, list[ShiftCarer]] = {}
    issues: dict[int, list[Issue]] = {}
    for team in teams:
        tid = team.id or 0
        visits[tid] = [v for v in visits_for(session, day=day, team_id=tid) if shift_of(v) == shift_kind]
        carers[tid], issues[tid] = shift_carers(session, day=day, shift_kind=shift_kind, team=team)
    if municipality.allow_cross_team_nurses:
        lend_nurse_visits(teams, visits, carers, issues)
    build = _shift_build(session, settings, day, shift_kind)
    shifts = []
    for team in teams:
        tid = team.id or 0
        shift = TeamShift(team, visits[tid], carers[tid], issues[tid], None, None, params)
        shift.inp = build(shift, shift.visits)
        shifts.append(shift)
    return shifts


def _shift_build(session: Session, settings: Settings, day: dt.date, shift_kind: ShiftKind) -> Build:
    """How a team's shift input is built, again after visits were lent in or out."""

    def build(shift: TeamShift, visits: list[DayVisit]) -> PlanningInput:
        inp = shift_input(
            session,
            day=day,
            shift_kind=shift_kind,
            team=shift.team,
            visits=visits,
            carers=shift.carers,
            settings=settings,
        )
        inp.issues = list(shift.issues) + inp.issues
        return inp

    return build


def plan_teams(
    session: Session,
    *,
    day: dt.date,
    shift_kind: ShiftKind,
    team_ids: Sequence[int],
    created_by: int | None,
    settings: Settings,
    progress: Progress | None = None,
    manual_like: bool = False,
) -> list[Plan]:
    """Draft plans for the teams' shift, solved in parallel; each validated by `routing.check`. Visits a
    team has no room for then go to a neighbouring team with room, where the municipality allows it
    (backend.planning.lending). `manual_like`: lay the lists as a coordinator does by hand (the baseline
    the simulator measures against)."""
    report = progress or (lambda _: None)
    teams = [get_or_404(session, Team, tid, "Team") for tid in team_ids]
    report({"stage": "matriser", "done": 0, "total": len(teams)})
    weights = Weights(
        continuity_miss=settings.continuity_weight,
        anchor_per_second=settings.usual_time_weight,
        anchor_tolerance=settings.usual_time_tolerance_minutes * 60,
    )
    params = SolveParams(
        time_limit_s=settings.plan_seconds_per_team, weights=weights, reserve_per_second=RESERVE_PER_S
    )
    shifts = _team_shifts(
        session, day=day, shift_kind=shift_kind, teams=teams, settings=settings, params=params
    )
    inputs = [s.input for s in shifts]
    report({"stage": "løser", "done": 0, "total": len(teams)})
    solutions = (
        [
            (plan_manual_like(inp.problem), on_time_bound(inp.problem)) if inp.problem else None
            for inp in inputs
        ]
        if manual_like
        else _solve_all(inputs, [params] * len(inputs), settings.plan_workers)
    )
    for shift, solved in zip(shifts, solutions, strict=True):
        shift.solved = solved
    if not manual_like and municipality_settings(session).lend_across_teams:
        lend_room(
            shifts, _shift_build(session, settings, day, shift_kind), team_distance_km, settings.plan_workers
        )
    plans = []
    for done, shift in enumerate(shifts, start=1):
        solution, bound = shift.solved if shift.solved is not None else (None, None)
        plans.append(store_plan(session, shift.input, solution, created_by=created_by, bound=bound))
        report({"stage": "lagrer", "done": done, "total": len(teams), "plan_ids": [p.id for p in plans]})
    return plans


@dataclass
class _Kept:
    """What a re-plan finds in the base plan: stops that stay (as they happened), where and from when each
    carer goes on, the breaks already begun, and who had which visit."""

    fixed: list[tuple[int, Stop]] = field(default_factory=list)
    previous: dict[str, str] = field(default_factory=dict)
    initial: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    last_place: dict[int, tuple[Point, dt.datetime]] = field(default_factory=dict)
    breaks_taken: dict[int, tuple[dt.datetime, int]] = field(default_factory=dict)
    hand_pinned: dict[str, str] = field(default_factory=dict)
    hand_pinned_starts: dict[str, dt.datetime] = field(default_factory=dict)
    visit_ids: set[int] = field(default_factory=set)


def _as_it_happened(progress: StopProgress, from_time: dt.datetime) -> Stop:
    """A copy of a kept stop for the new plan, with the times the carer reported: a visit in progress
    ends at the later of its check-in plus its length and the re-plan's start."""
    stop = progress.stop
    start, end = stop.planned_start, stop.planned_end
    if progress.checked_in is not None and progress.status != VisitStatus.cancelled:
        start = progress.checked_in
        end = progress.checked_out or max(start + (stop.planned_end - stop.planned_start), from_time)
    return Stop(
        **stop.model_dump(
            exclude={
                "id",
                "route_id",
                "origin_stop_id",
                "fixed",
                "planned_start",
                "planned_end",
                "lateness_seconds",
            }
        ),
        route_id=0,
        fixed=True,
        origin_stop_id=stop.origin_stop_id or stop.id,
        planned_start=start,
        planned_end=end,
        lateness_seconds=int(lateness_seconds(start, stop.window_end)),
    )


def still_to_do(route: Sequence[StopProgress], from_time: dt.datetime) -> list[bool]:
    """Which stops of a route are planned again: those not started that were planned from `from_time`, and,
    for a carer who reports on the tablet, those after the last visit they checked in to (the carer is
    behind: a past visit not begun comes later than planned, or from a colleague). A carer who reports
    nothing is taken to have worked the list as planned: nothing tells the office otherwise."""
    reported = [i for i, p in enumerate(route) if p.checked_in is not None]
    last = reported[-1] if reported else len(route)
    return [
        p.status == VisitStatus.planned and (p.stop.planned_start >= from_time or i > last)
        for i, p in enumerate(route)
    ]


def _kept_from_base(session: Session, base: Plan, from_time: dt.datetime, status_of: StatusReader) -> _Kept:
    """Done, started, cancelled and past stops stay as they happened (`still_to_do` says which are not
    past); the rest is planned again, preferring its carer. Each carer goes on from the place and time
    their last kept visit ends."""
    kept = _Kept()
    for route, stops in routes_of(session, base.id or 0):
        if route.break_start is not None and route.break_minutes and route.break_start < from_time:
            kept.breaks_taken[route.carer_id] = (route.break_start, route.break_minutes)
        progresses = status_of(session, stops)
        for progress, to_do in zip(progresses, still_to_do(progresses, from_time), strict=True):
            stop = progress.stop
            if stop.decision_visit_id is not None:
                kept.visit_ids.add(stop.decision_visit_id)
            if to_do:
                key = stop_key(stop.visit_key, stop.decision_visit_id)
                kept.previous[key] = carer_key(route.carer_id)
                kept.initial[carer_key(route.carer_id)].append(key)
                if stop.pinned:
                    kept.hand_pinned[key] = carer_key(route.carer_id)
                if stop.pinned and stop.pinned_time and stop.planned_start >= from_time:
                    kept.hand_pinned_starts[key] = stop.planned_start
                continue
            copy = _as_it_happened(progress, from_time)
            kept.fixed.append((route.carer_id, copy))
            if progress.status == VisitStatus.cancelled and stop.planned_start >= from_time:
                continue  # called off ahead: the carer is not there
            busy_until = kept.last_place.get(route.carer_id, (None, copy.planned_end))[1]
            if copy.planned_end >= busy_until:
                person = get_or_404(session, Recipient, stop.recipient_id, "Bruker")
                kept.last_place[route.carer_id] = (
                    Point(person.lat, person.lon, person.address),
                    copy.planned_end,
                )
    return kept


def _visits_of_base(
    session: Session, base: Plan, team: Team, kept: _Kept, taken_in: Sequence[DayVisit]
) -> list[DayVisit]:
    """The shift's visits of the team but those another team's current plan holds (lent away), plus those
    lent to it from another team in the base and those it is offered now (`taken_in`)."""
    own = [
        v for v in visits_for(session, day=base.date, team_id=team.id or 0) if shift_of(v) == base.shift_kind
    ]
    away = lent_away(session, base=base, visit_ids=[v.decision_visit_id for v in own]) - kept.visit_ids
    day_visits = [v for v in own if v.decision_visit_id not in away]
    listed = {v.decision_visit_id for v in day_visits}
    day_visits += [v for v in taken_in if v.decision_visit_id not in listed]
    lent = kept.visit_ids - {v.decision_visit_id for v in day_visits}
    if lent:
        for other in session.exec(select(Team).where(Team.id != team.id)):
            day_visits += [
                v
                for v in visits_for(session, day=base.date, team_id=other.id or 0)
                if v.decision_visit_id in lent
            ]
    return day_visits


def _done_keys(kept: _Kept, day_visits: Sequence[DayVisit]) -> frozenset[str]:
    done: set[str] = set()
    for _, stop in kept.fixed:
        if stop.visit_key:
            done.add(stop.visit_key)
        else:  # a hand-laid plan: the stop stands for every half of its visit
            done.update(
                k for v in day_visits if v.decision_visit_id == stop.decision_visit_id for k in visit_keys(v)
            )
    return frozenset(done)


def _rest_of_shift(shift: Sequence[ShiftCarer], kept: _Kept, from_time: dt.datetime) -> list[ShiftCarer]:
    """Each carer from the latest of `from_time`, the end of their last kept visit and a break they are
    on, starting there; the shift itself and a break already begun stay as they are."""
    rest = []
    for shift_carer in shift:
        carer_id = shift_carer.carer.id or 0
        begin = max(shift_carer.start, from_time)
        place = None
        if carer_id in kept.last_place:
            point, busy_until = kept.last_place[carer_id]
            begin, place = max(begin, busy_until), point
        taken = kept.breaks_taken.get(carer_id)
        if taken is not None:
            begin = max(begin, taken[0] + dt.timedelta(minutes=taken[1]))
        if begin < shift_carer.end:
            rest.append(
                replace(_with_break_taken(shift_carer, kept), available_from=begin, start_place=place)
            )
    return rest


def _with_break_taken(shift_carer: ShiftCarer, kept: _Kept) -> ShiftCarer:
    taken = kept.breaks_taken.get(shift_carer.carer.id or 0)
    return replace(shift_carer, break_taken=taken[0]) if taken else shift_carer


def _affected_carers(
    session: Session, base: Plan, rest: Sequence[ShiftCarer], from_time: dt.datetime
) -> list[int]:
    """Carers of the base plan who no longer work (all or part of) the rest of their shift; not those
    whose shift is simply over."""
    still_working = {c.carer.id for c in rest if c.end >= c.start}
    return sorted(
        r.carer_id
        for r, _ in routes_of(session, base.id or 0)
        if (r.shift_end is None or r.shift_end > from_time)
        and (
            r.carer_id not in still_working
            or any(c.carer.id == r.carer_id and r.shift_end and c.end < r.shift_end for c in rest)
        )
    )


@dataclass
class RestOfDay:
    """The rest of a plan's day as a routing input: what stays (done, in progress, past), each carer from
    where they are, and the carers who lost time since the plan was made."""

    inp: PlanningInput
    kept: _Kept
    affected: list[int]


def rest_of_day(
    session: Session,
    *,
    base: Plan,
    from_time: dt.datetime,
    status_of: StatusReader,
    settings: Settings,
    pin_unaffected: bool,
    taken_in: Sequence[DayVisit] = (),
) -> RestOfDay:
    """What a re-plan solves and a hand edit is checked against. `pin_unaffected`: each visit of a carer
    who still works stays with that carer (the re-plan's first phase); a hand edit moves visits freely.
    `taken_in`: another team's visits offered to this shift (backend.planning.day_help)."""
    if base.status == PlanStatus.superseded:
        raise Conflict("Planen er erstattet av en nyere; planlegg om fra den publiserte planen.")
    team = get_or_404(session, Team, base.team_id, "Team")
    kept = _kept_from_base(session, base, from_time, status_of)
    day_visits = _visits_of_base(session, base, team, kept, taken_in)
    shift, issues = shift_carers(session, day=base.date, shift_kind=base.shift_kind, team=team)
    rest = _rest_of_shift(shift, kept, from_time)
    affected = _affected_carers(session, base, rest, from_time)
    pinned = (
        {k: c for k, c in kept.previous.items() if carer_id_of(c) not in affected} if pin_unaffected else {}
    )
    inp = build_input(
        day=base.date,
        shift_kind=base.shift_kind,
        team=team,
        visits=day_visits,
        carers=rest,
        recipients=recipients_of(session, day_visits),
        preferred={},
        network_for=networks.of(settings),
        early_tolerance_minutes=municipality_settings(session).early_tolerance_minutes,
        partner_starts=linked_starts(session, day=base.date, shift_kind=base.shift_kind, visits=day_visits),
        replan=ReplanContext(
            _done_keys(kept, day_visits),
            kept.previous,
            {k: tuple(v) for k, v in kept.initial.items()},
            pinned=pinned,
            hand_pinned=kept.hand_pinned,
            hand_pinned_starts=kept.hand_pinned_starts,
        ),
    )
    inp.issues = issues + inp.issues
    inp.worked = {carer_key(c.carer.id or 0): _with_break_taken(c, kept) for c in shift}
    return RestOfDay(inp, kept, affected)


def replan(
    session: Session,
    *,
    plan_id: int,
    from_time: dt.datetime,
    created_by: int | None,
    status_of: StatusReader,
    settings: Settings,
) -> Plan:
    """A new draft for the rest of the day from `from_time`: done, started and past stops stay as they
    were; every other visit is planned again with a preference for the carer it had."""
    base = get_or_404(session, Plan, plan_id, "Plan")
    rest = rest_of_day(
        session, base=base, from_time=from_time, status_of=status_of, settings=settings, pin_unaffected=True
    )
    inp, solution = rest.inp, None
    if inp.problem is not None:
        initial = dict(inp.initial_routes) if inp.initial_routes else None
        inp.problem, solution = solver_pool.submit(
            settings.plan_workers,
            solve_keeping_unaffected,
            inp.problem,
            initial,
            settings.replan_seconds,
            RESERVE_PER_S,
        ).result()
    return store_plan(
        session,
        inp,
        solution,
        created_by=created_by,
        base=base,
        fixed=rest.kept.fixed,
        affected_carers=rest.affected,
    )
