"""A team's week planned as a trial, nothing stored: which visits the planner can keep inside their agreed
windows, with the windows as they are or with some of them moved.

Each day's day shift is planned before its evening, so a link from lunch to dinner is planned against the
trial's own lunch (as `plan_teams` does against the stored plan). All shifts of a phase are solved in
parallel in the solver processes, with `settings.proposal_seconds_per_shift` each; the usual-time anchors are
left out (what is possible, not what was done last week)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, replace

from sqlmodel import Session

from backend.common.enums import ShiftKind
from backend.common.localtime import local_instant, local_minutes
from backend.decisions.expansion import DayVisit, visits_for
from backend.planning import solver_pool
from backend.planning.alternatives import fitting_offsets
from backend.planning.flows import shift_input
from backend.planning.gather import shift_carers
from backend.planning.translate import PlanningInput, shift_of
from backend.settings import Settings
from backend.teams.models import Team
from routing import Plan as RoutingPlan
from routing import Problem, SolveParams
from routing.on_time import RESERVE_PER_S, on_time_window
from routing.strategies import solve_or_rescue

STEP_MIN = 15
MAX_MOVE_MIN = 240
PROBE_STEP_MIN = 30
# a left-out visit is tried in windows moved by these, nearest first, until two fit
PROBE_OFFSETS_MIN = sorted((m for m in range(-MAX_MOVE_MIN, MAX_MOVE_MIN + 1, PROBE_STEP_MIN) if m), key=abs)
PROBE_FITS = 2
Window = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class Occurrence:
    """One vedtak visit on one day of the trial: on time or not, its planned start (minutes of the local
    day; None when left out) and, when left out, the window starts (minutes) at which it would fit."""

    day: dt.date
    visit: DayVisit
    on_time: bool
    start_min: int | None
    fits_at: tuple[int, ...] = ()


def moved(visit: DayVisit, window: Window | None) -> DayVisit:
    """The day's visit with its agreed window moved (a latest acceptable start moves with it)."""
    if window is None:
        return visit
    start = local_instant(visit.date, window[0])
    offset = start - visit.window_start
    return replace(
        visit,
        window_start=start,
        window_end=local_instant(visit.date, window[1]),
        latest_acceptable=visit.latest_acceptable + offset if visit.latest_acceptable else None,
    )


def _solve(problem: Problem, seconds: float) -> RoutingPlan:
    return solve_or_rescue(problem, SolveParams(time_limit_s=seconds, reserve_per_second=RESERVE_PER_S))


def _occurrences(inp: PlanningInput, plan: RoutingPlan | None, probe: bool) -> list[Occurrence]:
    """Each vedtak visit of the shift once (both halves of a double-staffed one on time, or it is not);
    with `probe`, where a left-out one would fit."""
    problem = inp.problem
    starts: dict[str, int] = {}
    for route in plan.routes if plan else ():
        for stop in route.stops:
            starts[stop.visit_id] = stop.start
    result: dict[int, Occurrence] = {}
    for key, visit in inp.visits.items():
        start = starts.get(key)
        index = problem.visit_index.get(key) if problem else None
        routing_visit = problem.visits[index] if problem and index is not None else None
        on_time = False
        if start is not None and routing_visit is not None:
            first, last = on_time_window(routing_visit)
            on_time = first <= start <= last
        seen = result.get(visit.decision_visit_id)
        if seen is not None:
            on_time = on_time and seen.on_time
        fits: tuple[int, ...] = ()
        if start is None and plan is not None and probe:
            agreed = local_minutes(visit.window_start)
            fits = tuple(agreed + o for o in fitting_offsets(inp, plan, key, PROBE_OFFSETS_MIN, PROBE_FITS))
        result[visit.decision_visit_id] = Occurrence(
            inp.day,
            visit,
            on_time,
            local_minutes(inp.instant(start)) if start is not None else None,
            fits,
        )
    return list(result.values())


def _partner_starts(done: list[Occurrence], visits: list[DayVisit]) -> dict[int, dt.datetime]:
    """Where the other shift's trial put the partners of `visits`' links."""
    wanted = {other for v in visits for link in v.links for other in (link.from_visit_id, link.to_visit_id)}
    return {
        o.visit.decision_visit_id: local_instant(o.day, dt.time(o.start_min // 60, o.start_min % 60))
        for o in done
        if o.start_min is not None and o.visit.decision_visit_id in wanted
    }


def plan_trial_weeks(
    session: Session,
    *,
    teams: list[Team],
    monday: dt.date,
    settings: Settings,
    windows: Mapping[int, Window] | None = None,
    days: int = 7,
    probe: bool = True,
    earlier: Mapping[int, list[Occurrence]] | None = None,
) -> dict[int, list[Occurrence]]:
    """Every visit of each team's week (team id → occurrences), planned with `windows` (decision visit id →
    window) in place of the agreed ones; the teams' shifts of a phase are solved together, so the solver
    processes stay busy. `probe`: also where each left-out visit would fit in a moved window (for proposals).
    `earlier`: a trial of the same week whose shifts are taken as they were where nothing in them moved
    (nor, for an evening, in the day shift its links start from)."""
    changes = windows or {}
    dates = [monday + dt.timedelta(days=i) for i in range(days)]
    visits = {
        (team.id or 0, d): [
            moved(v, changes.get(v.decision_visit_id))
            for v in visits_for(session, day=d, team_id=team.id or 0)
        ]
        for team in teams
        for d in dates
    }
    outcome: dict[int, list[Occurrence]] = {team.id or 0: [] for team in teams}
    replanned: set[tuple[int, dt.date]] = set()
    for shift_kind in (ShiftKind.day, ShiftKind.evening):
        started: list[tuple[int, PlanningInput, Future[RoutingPlan] | None]] = []
        for team, d in ((team, d) for team in teams for d in dates):
            tid = team.id or 0
            shift_visits = [v for v in visits[(tid, d)] if shift_of(v) == shift_kind]
            moved_here = any(v.decision_visit_id in changes for v in shift_visits)
            linked = (
                shift_kind == ShiftKind.evening
                and (tid, d) in replanned
                and any(v.links for v in shift_visits)
            )
            if earlier is not None and not moved_here and not linked:
                outcome[tid] += [o for o in earlier[tid] if o.day == d and shift_of(o.visit) == shift_kind]
                continue
            replanned.add((tid, d))
            carers, _ = shift_carers(session, day=d, shift_kind=shift_kind, team=team)
            partners = _partner_starts([o for o in outcome[tid] if o.day == d], shift_visits)
            inp = shift_input(
                session,
                day=d,
                shift_kind=shift_kind,
                team=team,
                visits=shift_visits,
                carers=carers,
                settings=settings,
                partner_starts=partners,
                anchored=False,
            )
            started.append((tid, inp, _start_solving(inp, settings)))  # the next shift is built meanwhile
        for tid, inp, future in started:
            outcome[tid] += _occurrences(inp, future.result() if future is not None else None, probe)
    return outcome


def _start_solving(inp: PlanningInput, settings: Settings) -> Future[RoutingPlan] | None:
    """The shift handed to the solver processes (None: nothing to plan)."""
    if inp.problem is None or not inp.problem.visits:
        return None
    return solver_pool.submit(settings.plan_workers, _solve, inp.problem, settings.proposal_seconds_per_shift)
