"""Visits a team has no room for, taken in by a neighbouring team that has (municipality setting
`lend_across_teams`, on by default).

Each team's shift is solved on its own, so one team can leave visits out for want of capacity while the
next team's carers have free time in the same hours (on the lier day: team 3's 07:00-08:30 visits left out
while team 2's carers had an hour free). Coordinators who sit together lend such visits by hand today
(A 805-815: «samarbeide på tvers», «Vikarene jobber på tvers»). After the teams are solved, every single,
unlinked visit left out for capacity (or because nobody of the team is on shift) is offered to the other teams of
the shift, nearest base first, those that left visits of their own out included; a team
takes a visit only where its own visits all keep their windows (routing.strategies.take_in). What it takes
leaves the lending team's plan and is listed on both plans; what nobody takes stays where it was,
unassigned with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from backend.decisions.expansion import DayVisit
from backend.planning import solver_pool
from backend.planning.translate import Issue, PlanningInput, ShiftCarer, visit_keys
from backend.teams.models import Team
from routing import Plan as RoutingPlan
from routing import Problem, SolveParams
from routing.bound import Bound, on_time_bound
from routing.check import check
from routing.strategies import plan_of, retimed_routes, take_in

TAKE_IN_SECONDS = 2.0  # the on-time repair's share of one offer; the insertions after it are quick
LENDABLE_REASONS = ("capacity", "no_carers")


@dataclass
class TeamShift:
    """One team's shift while the day is planned: the visits and issues its input was built from, the
    input and its solved plan with its bound (None where nothing was solved)."""

    team: Team
    visits: list[DayVisit]
    carers: list[ShiftCarer]
    issues: list[Issue]
    inp: PlanningInput | None  # None only while the first input is built
    solved: tuple[RoutingPlan, Bound] | None
    params: SolveParams

    @property
    def input(self) -> PlanningInput:
        assert self.inp is not None
        return self.inp


# (team shift, its visits) → that shift's routing input, built as the first one was
Build = Callable[[TeamShift, list[DayVisit]], PlanningInput]
Distance = Callable[[Team, Team], float]


def take_in_lent(problem: Problem, plan: RoutingPlan, lent: list[str], params: SolveParams) -> RoutingPlan:
    return take_in(problem, plan, frozenset(lent), replace(params, time_limit_s=TAKE_IN_SECONDS))


def take_in_retimed(
    problem: Problem, plan: RoutingPlan, lent: list[str], params: SolveParams
) -> RoutingPlan | None:
    """`take_in_lent` on a stored plan's rest of the day: its routes first at their earliest times in their
    order (stored times can sit a few minutes off the rest of the day's frame: where each carer is now, the
    break as stored); None when the result is not a plan `routing.check` accepts."""
    retimed = plan_of(problem, retimed_routes(problem, plan.routes), params, plan)
    taken = take_in_lent(problem, retimed, lent, params)
    return taken if check(problem, taken, params.weights).feasible else None


def restated(problem: Problem, plan: RoutingPlan, params: SolveParams) -> tuple[RoutingPlan, Bound]:
    """The plan's routes as a plan of `problem` (the shift with visits lent in or out), and its bound."""
    return plan_of(problem, plan.routes, params, plan), on_time_bound(problem)


def lent_issue(count: int, host: str) -> Issue:
    """What the lending team's plan says (a note, not something to fix)."""
    return Issue("lent", f"{count} besøk uten ledig tid i teamet er lagt til {host}.")


def borrowed_issue(count: int, origin: str) -> Issue:
    """What the host's plan says."""
    return Issue("borrowed", f"{count} besøk fra {origin} er lagt inn (de hadde ikke ledig tid).")


def may_lend(visit: DayVisit) -> bool:
    """A visit another team can take on its own: one carer, no link to another visit."""
    return not visit.links and not visit.double_staffed


def lendable(shift: TeamShift) -> list[DayVisit]:
    """The shift's visits left out for want of capacity, or because nobody of the team is on shift, that
    another team could take on their own (`may_lend`)."""
    reasons = {key: reason for key, (reason, _) in shift.input.excluded.items()}
    if shift.solved is not None:
        reasons |= {u.visit_id: u.reason for u in shift.solved[0].unassigned}
    short = {key for key, reason in reasons.items() if reason in LENDABLE_REASONS}
    return [v for v in shift.visits if may_lend(v) and any(k in short for k in visit_keys(v))]


def lend_room(shifts: list[TeamShift], build: Build, distance: Distance, workers: int) -> None:
    """Offer each team's lendable visits to the other teams of the shift, nearest first; update the shifts
    (inputs, plans, bounds, issues) of every team that lent or took visits. A team that left visits of its
    own out may still have room at other hours (the morning rush leaves every team short at 07:30 while
    one has an hour free at 09:00), and its own visits keep every window they had, so it is asked too."""
    hosts = [s for s in shifts if s.solved is not None and s.input.problem is not None]
    changed: set[int] = set()
    for origin in shifts:
        waiting = lendable(origin)
        for host in sorted(
            (h for h in hosts if h is not origin), key=lambda h: distance(origin.team, h.team)
        ):
            if not waiting:
                break
            taken = _offer(host, waiting, build, workers)
            if not taken:
                continue
            waiting = [v for v in waiting if v not in taken]
            origin.visits = [v for v in origin.visits if v not in taken]
            origin.issues.append(lent_issue(len(taken), host.team.name))
            host.issues.append(borrowed_issue(len(taken), origin.team.name))
            changed |= {id(origin), id(host)}
    for shift in shifts:
        if id(shift) in changed:
            _rebuild(shift, build, workers)


def _offer(host: TeamShift, waiting: list[DayVisit], build: Build, workers: int) -> list[DayVisit]:
    """The visits of `waiting` the host's plan takes in (its shift then holds them)."""
    assert host.solved is not None
    offered = build(host, host.visits + waiting)
    if offered.problem is None:
        return []
    lent = [k for v in waiting for k in visit_keys(v)]
    plan = solver_pool.submit(
        workers, take_in_lent, offered.problem, host.solved[0], lent, host.params
    ).result()
    routed = {s.visit_id for r in plan.routes for s in r.stops}
    taken = [v for v in waiting if all(k in routed for k in visit_keys(v))]
    if taken:
        host.visits = host.visits + taken
        host.solved = (plan, host.solved[1])
    return taken


def _rebuild(shift: TeamShift, build: Build, workers: int) -> None:
    """The shift's input built again from its visits now, its plan's routes restated on it and bounded."""
    inp = build(shift, shift.visits)
    plan = None if shift.solved is None else shift.solved[0]
    shift.inp = inp
    if inp.problem is None or plan is None:
        shift.solved = None
        return
    shift.solved = solver_pool.submit(workers, restated, inp.problem, plan, shift.params).result()
