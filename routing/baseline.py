"""A manual-like planner: how a coordinator lays kjørelister by hand today, so the improvement the optimiser
brings is measured against something real rather than claimed.

Every carer keeps one list from the start of the shift. Whoever is free first takes the next visit: of the
visits whose window they can still make, the one they can start soonest, the nearest among equals (greedy
nearest feasible next visit, so each list runs in window order). A double-staffed visit gets the colleague
who can be there soonest; a dinner waits its gap after lunch; the lunch break is taken when the next visit
would push past its latest start. Nothing is revised later: no look-ahead, no exchange between lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routing.explain import explain_unassigned
from routing.objective import objective_of
from routing.params import SolveParams
from routing.plan import Plan, Route, SolverStats, Stop
from routing.problem import Carer, Precedence, Problem, SameStart, Visit


@dataclass
class _List:
    """One carer's list as it is being laid."""

    carer: Carer
    clock: int
    place: int
    stops: list[Stop] = field(default_factory=list)
    travel: int = 0
    pending_breaks: list[tuple[int, int, int]] = field(default_factory=list)  # earliest, latest, minutes
    break_starts: list[int] = field(default_factory=list)
    closed: bool = False


@dataclass(frozen=True)
class _Placement:
    start: int
    arrival: int
    leg: int
    breaks: tuple[int, ...]  # break starts taken before the visit


def _start_in(visit: Visit, earliest: int) -> int | None:
    for window in visit.windows:
        if earliest <= window.end:
            return max(earliest, window.start)
    return None


def _placement(problem: Problem, lst: _List, visit: Visit, not_before: int) -> _Placement | None:
    """When this carer could start `visit`, taking a break first if the visit would run past its latest
    start; None if the window is gone or the carer could not get home within the shift afterwards."""
    leg = problem.travel(lst.carer.profile, lst.place, visit.location)
    arrival = lst.clock + leg
    start = _start_in(visit, max(arrival, not_before))
    if start is None:
        return None
    taken: list[int] = []
    pending = list(lst.pending_breaks)
    while pending and start + visit.duration > pending[0][1]:
        earliest, latest, minutes = pending.pop(0)
        at = max(lst.clock, earliest)
        if at > latest:
            return None
        taken.append(at)
        start = _start_in(visit, max(start, at + minutes))
        if start is None:
            return None
    if visit.fixed_start is not None and start != visit.fixed_start:
        return None
    finish = start + visit.duration
    for earliest, latest, minutes in pending:  # breaks still to come must fit after this visit
        if max(finish, earliest) > latest:
            return None
        finish = max(finish, earliest) + minutes
    home = problem.travel(lst.carer.profile, visit.location, lst.carer.end_location)
    if finish + home > lst.carer.shift_end:
        return None
    if lst.carer.max_working_time is not None and finish + home - lst.carer.shift_start > (
        lst.carer.max_working_time
    ):
        return None
    return _Placement(start, arrival, leg, tuple(taken))


def _place(lst: _List, visit: Visit, placement: _Placement, start: int) -> None:
    lst.break_starts += placement.breaks
    del lst.pending_breaks[: len(placement.breaks)]
    arrival = placement.arrival
    late = max(0, start - visit.soft_end) if visit.soft_end is not None else 0
    lst.stops.append(Stop(visit.id, arrival, start, start + visit.duration, start - arrival, late))
    lst.travel += placement.leg
    lst.clock, lst.place = start + visit.duration, visit.location


def _close(problem: Problem, lst: _List) -> Route:
    clock = lst.clock
    for earliest, _latest, minutes in lst.pending_breaks:
        at = max(clock, earliest)
        lst.break_starts.append(at)
        clock = at + minutes
    back = problem.travel(lst.carer.profile, lst.place, lst.carer.end_location)
    return Route(
        carer_id=lst.carer.id,
        stops=tuple(lst.stops),
        start_time=lst.carer.shift_start,
        end_time=clock + back,
        travel_time=lst.travel + back,
        break_starts=tuple(lst.break_starts),
    )


def plan_manual_like(problem: Problem) -> Plan:
    """Lay the lists the way it is done by hand (see the module text); checked by `routing.check` like any
    plan. Deterministic: ties go to the carer and visit listed first."""
    partner: dict[str, str] = {}
    after: dict[str, Precedence] = {}
    for link in problem.links:
        if isinstance(link, SameStart):
            partner[link.first], partner[link.second] = link.second, link.first
        else:
            after[link.second] = link
    lists = [
        _List(
            c,
            c.shift_start,
            c.start_location,
            pending_breaks=sorted((b.earliest_start, b.latest_start, b.duration) for b in c.breaks),
        )
        for c in problem.carers
    ]
    pending = {v.id for v in problem.visits}
    started: dict[str, int] = {}

    def not_before(visit: Visit) -> int | None:
        link = after.get(visit.id)
        if link is None:
            return 0
        if link.first not in started:
            return None
        return started[link.first] + link.min_gap

    def within_gap(visit: Visit, start: int) -> bool:
        link = after.get(visit.id)
        return link is None or link.max_gap is None or start <= started[link.first] + link.max_gap

    while True:
        open_lists = [lst for lst in lists if not lst.closed]
        if not open_lists:
            break
        lst = min(open_lists, key=lambda item: item.clock)
        best: tuple[tuple[int, int], Visit, _Placement, _List | None, _Placement | None] | None = None
        for visit in problem.visits:
            if visit.id not in pending or not problem.may_serve(lst.carer, visit):
                continue
            earliest = not_before(visit)
            if earliest is None:
                continue
            mine = _placement(problem, lst, visit, earliest)
            if mine is None:
                continue
            other: _List | None = None
            theirs: _Placement | None = None
            start = mine.start
            if visit.id in partner:
                half = problem.visits[problem.visit_index[partner[visit.id]]]
                options = [
                    (p.start, n, o, p)
                    for n, o in enumerate(lists)
                    if o is not lst
                    and not o.closed
                    and problem.may_serve(o.carer, half)
                    and (p := _placement(problem, o, half, mine.start)) is not None
                ]
                if not options:
                    continue
                _, _, other, theirs = min(options, key=lambda item: (item[0], item[1]))
                start = max(mine.start, theirs.start)
                again = _placement(problem, lst, visit, start)
                if again is None or again.start != start:
                    continue
                mine = again
            if not within_gap(visit, start):
                continue
            key = (start, mine.leg)
            if best is None or key < best[0]:
                best = (key, visit, mine, other, theirs)
        if best is None:
            lst.closed = True
            continue
        (start, _), visit, mine, other, theirs = best
        _place(lst, visit, mine, start)
        pending.discard(visit.id)
        started[visit.id] = start
        if other is not None and theirs is not None:
            half = problem.visits[problem.visit_index[partner[visit.id]]]
            _place(other, half, theirs, start)
            pending.discard(half.id)
            started[half.id] = start
    routes = [_close(problem, lst) for lst in lists if lst.stops]
    dropped = sorted(problem.visit_index[vid] for vid in pending)
    dropped_set = set(dropped)
    return Plan(
        routes=tuple(routes),
        unassigned=tuple(explain_unassigned(problem, v, dropped_set) for v in dropped),
        objective=objective_of(problem, routes, dropped, SolveParams()),
        stats=SolverStats(
            status="manual_like", wall_time_s=0.0, objective_value=0, solutions_found=1, engine="manual-like"
        ),
    )
