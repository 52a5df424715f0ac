"""The one translator between the database and routing: rows → `routing.Problem`, `routing.Plan` → rows.

Only this module knows how the solver names things and counts time: carers are "c<id>", visits "v<id>"
(a double-staffed visit becomes "v12a" and "v12b" joined by SameStart; a lunch → dinner link becomes a
Precedence), and times are seconds since the plan day's local midnight (real elapsed seconds, so DST days
are right). Problems with the input (an address off the road network, nobody on shift) are collected as
issues for the coordinator instead of stopping the plan for everyone else. Going back, each stop keeps the
lateness the solver computed, so nothing downstream computes it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from backend.carers.competence import effective_competences
from backend.carers.models import Carer
from backend.common.enums import ShiftKind
from backend.common.localtime import (
    local_clock,
    local_instant,
    local_midnight,
    seconds_since_local_midnight,
)
from backend.common.shifts import shift_of_instant
from backend.decisions.expansion import DayVisit
from backend.planning.models import Route, Stop
from backend.recipients.models import Recipient
from backend.teams.models import Team
from maps import MapError, Point, RoadNetwork, snap, travel_time_matrix
from routing import Break, Precedence, Problem, SameStart, TimeWindow, Visit
from routing import Carer as RoutingCarer
from routing import Plan as RoutingPlan

SOFT_WINDOW_SLACK_S = 2 * 3600  # a soft window without "latest acceptable" may be met up to 2 h late


def shift_of(visit: DayVisit) -> ShiftKind:
    """The shift whose carers make a visit, from its agreed window's local start (backend.common.shifts)."""
    return shift_of_instant(visit.window_start)


def carer_key(carer_id: int) -> str:
    """The solver's name for a carer."""
    return f"c{carer_id}"


def carer_id_of(key: str) -> int:
    """The carer behind a solver name made by `carer_key`."""
    if not key.startswith("c") or not key[1:].isdigit():
        raise ValueError(f"not a carer key: {key!r}")
    return int(key[1:])


def visit_keys(visit: DayVisit) -> tuple[str, ...]:
    """The solver's names for a visit: one, or one per carer of a double-staffed visit."""
    base = f"v{visit.decision_visit_id}"
    return (base + "a", base + "b") if visit.double_staffed else (base,)


def half_competences(visit: DayVisit, key: str) -> frozenset[str]:
    """What the carer of one of the visit's solver names must master. Two carers come to a double-staffed
    visit for the handling (a lift, a turn in bed); the vedtak's tasks are done by the first, so only the
    first half asks for their competence: a nurse and a helper make the pair, not two nurses, which a team
    with one nurse on shift could never send."""
    return visit.required_competences if key == visit_keys(visit)[0] else frozenset()


def stop_key(visit_key: str, decision_visit_id: int | None) -> str:
    """The solver key a stored stop stands for (a hand-laid plan stores none: its vedtak visit's key)."""
    return visit_key or f"v{decision_visit_id}"


def _first_key(decision_visit_id: int, known: Mapping[str, DayVisit]) -> str:
    """The key a link refers to: the visit, or the first half of a double-staffed one."""
    base = f"v{decision_visit_id}"
    return base if base in known else base + "a"


@dataclass(frozen=True)
class ShiftCarer:
    """A carer on shift, with the part of the shift left after absences (and, when re-planning, the
    place and time the rest of the day starts from)."""

    carer: Carer
    team: Team
    start: dt.datetime
    end: dt.datetime
    break_earliest: dt.datetime | None
    break_latest: dt.datetime | None
    break_minutes: int
    start_place: Point | None = None
    available_from: dt.datetime | None = None  # a re-plan: free from then (the shift itself stays)
    break_taken: dt.datetime | None = None  # a re-plan: the break began then, before it

    @property
    def key(self) -> str:
        return carer_key(self.carer.id or 0)


@dataclass
class Issue:
    """Something the coordinator must fix; the plan is made for everything else."""

    kind: str
    message: str
    recipient_id: int | None = None
    carer_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class ReplanContext:
    """What a re-plan keeps: visits already done stay out, routes start where carers are, and each visit
    prefers the carer it had (so unaffected routes change only when that pays)."""

    done_keys: frozenset[str]
    previous_carer: Mapping[str, str]
    initial_routes: Mapping[str, tuple[str, ...]]
    pinned: Mapping[str, str] = field(default_factory=dict)
    hand_pinned: Mapping[str, str] = field(default_factory=dict)  # «Fest»: kept in every phase
    hand_pinned_starts: Mapping[str, dt.datetime] = field(default_factory=dict)  # «Fest» with its time


@dataclass
class PlanningInput:
    day: dt.date
    shift_kind: ShiftKind
    team: Team
    problem: Problem | None
    visits: dict[str, DayVisit] = field(default_factory=dict)
    carers: dict[str, ShiftCarer] = field(default_factory=dict)
    # each carer's shift as worked today, with a break already begun: a re-plan's `carers` hold only those
    # with time left, and a route row needs the whole shift of one whose day ended before the re-plan
    worked: dict[str, ShiftCarer] = field(default_factory=dict)
    points: list[Point] = field(default_factory=list)
    recipients: dict[int, Recipient] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    excluded: dict[str, tuple[str, str]] = field(default_factory=dict)
    initial_routes: Mapping[str, tuple[str, ...]] | None = None
    hand_pinned: Mapping[str, str] = field(default_factory=dict)  # visit key → carer key («Fest»)
    hand_pinned_starts: Mapping[str, dt.datetime] = field(default_factory=dict)  # «Fest» with its time

    def seconds(self, instant: dt.datetime) -> int:
        return seconds_since_local_midnight(instant, self.day)

    def instant(self, seconds: int) -> dt.datetime:
        return local_midnight(self.day) + dt.timedelta(seconds=seconds)


def _unsnappable(networks: Iterable[RoadNetwork], points: list[Point]) -> dict[int, str]:
    """Index → reason for every point that cannot be placed on one of the networks."""
    bad: dict[int, str] = {}
    for network in networks:
        try:
            snap(network, points)
            continue
        except MapError:
            pass
        for index, point in enumerate(points):
            try:
                snap(network, [point])
            except MapError as exc:
                bad.setdefault(index, str(exc))
    return bad


def _windows(
    visit: DayVisit, seconds: Callable[[dt.datetime], int], early_s: int
) -> tuple[TimeWindow, int | None]:
    start, end = seconds(visit.window_start) - early_s, seconds(visit.window_end)
    if visit.window_hard:
        hard_end, soft_end = end, None
    else:
        hard_end = seconds(visit.latest_acceptable) if visit.latest_acceptable else end + SOFT_WINDOW_SLACK_S
        soft_end = end
    if visit.latest_start is not None:
        hard_end = min(hard_end, seconds(visit.latest_start))
        soft_end = None if soft_end is None else min(soft_end, hard_end)
    return TimeWindow(max(start, 0), max(hard_end, max(start, 0))), soft_end


def _held_by_other_shift(
    visit: DayVisit,
    window: TimeWindow,
    soft_end: int | None,
    partner_starts: Mapping[int, dt.datetime],
    inp: PlanningInput,
) -> tuple[TimeWindow, int | None] | str:
    """The window narrowed by links to visits planned in another shift (a dinner at least 3 h after the
    lunch the day shift planned); a message naming the window that would let the link hold when none does."""
    first, last = window.start, window.end
    for link in visit.links:
        if link.to_visit_id == visit.decision_visit_id and link.from_visit_id in partner_starts:
            anchor = inp.seconds(partner_starts[link.from_visit_id])
            first = max(first, anchor + link.min_gap_minutes * 60)
            if link.max_gap_minutes is not None:
                last = min(last, anchor + link.max_gap_minutes * 60)
        elif link.from_visit_id == visit.decision_visit_id and link.to_visit_id in partner_starts:
            anchor = inp.seconds(partner_starts[link.to_visit_id])
            last = min(last, anchor - link.min_gap_minutes * 60)
            if link.max_gap_minutes is not None:
                first = max(first, anchor - link.max_gap_minutes * 60)
    if first > last:
        return (
            f"«{visit.label}» må ha minst/høyst avtalt avstand til et besøk i en annen vakt; med det besøkets "
            f"planlagte tid måtte det starte mellom {local_clock(inp.instant(first))} og "
            f"{local_clock(inp.instant(last))}, som ikke går. "
            "Flytt det andre besøket eller endre avstanden i vedtaket."
        )
    return TimeWindow(first, last), soft_end


def _exclude(result: PlanningInput, visits: Iterable[DayVisit], reason: str, message: str) -> None:
    for visit in visits:
        for key in visit_keys(visit):
            result.visits[key] = visit
            result.excluded[key] = (reason, message)


@dataclass
class _Places:
    """The points of a problem (team bases, carers' current places, recipients) by what they stand for."""

    points: list[Point] = field(default_factory=list)
    index: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, kind: str, ident: int, point: Point) -> None:
        if (kind, ident) not in self.index:
            self.index[(kind, ident)] = len(self.points)
            self.points.append(point)

    def drop(self, bad: Iterable[int]) -> None:
        kept = sorted(set(range(len(self.points))) - set(bad))
        renumber = {old: new for new, old in enumerate(kept)}
        self.points = [self.points[i] for i in kept]
        self.index = {k: renumber[i] for k, i in self.index.items() if i in renumber}


def _snapped_places(
    result: PlanningInput,
    visits: list[DayVisit],
    carers: list[ShiftCarer],
    recipients: Mapping[int, Recipient],
    networks: list[RoadNetwork],
) -> tuple[_Places, list[DayVisit], list[ShiftCarer]]:
    """Every place on the road networks; visits and carers whose place is off them become issues."""
    places = _Places()
    for shift_carer in carers:
        base = shift_carer.team
        places.add("base", base.id or 0, Point(base.base_lat, base.base_lon, f"basen til {base.name}"))
        if shift_carer.start_place is not None:
            places.add("carer", shift_carer.carer.id or 0, shift_carer.start_place)
    for visit in visits:
        person = recipients[visit.recipient_id]
        places.add(
            "recipient", visit.recipient_id, Point(person.lat, person.lon, f"adressen til {person.name}")
        )
    bad = _unsnappable(networks, places.points)
    if not bad:
        return places, visits, carers
    for (kind, ident), index in places.index.items():
        if index not in bad:
            continue
        if kind == "recipient":
            who = recipients[ident]
            message = (
                f"{who.name} ({who.address}) kan ikke plasseres på veinettet: {bad[index]}. "
                "Rett koordinatene til adressen."
            )
            result.issues.append(Issue("unsnappable", message, recipient_id=ident))
        else:
            label = places.points[index].label
            result.issues.append(Issue("unsnappable", f"Startstedet ({label}) ligger utenfor veinettet."))
    off_network = {
        ident for (kind, ident), index in places.index.items() if kind == "recipient" and index in bad
    }
    off = [v for v in visits if v.recipient_id in off_network]
    _exclude(result, off, "unsnappable", "Adressen kan ikke plasseres på veinettet.")
    visits = [v for v in visits if v.recipient_id not in off_network]
    carers = [
        c
        for c in carers
        if places.index[("base", c.team.id or 0)] not in bad
        and (c.start_place is None or places.index[("carer", c.carer.id or 0)] not in bad)
    ]
    places.drop(bad)
    return places, visits, carers


def _routing_carers(result: PlanningInput, carers: list[ShiftCarer], places: _Places) -> list[RoutingCarer]:
    """Each carer's shift in solver seconds, from their base or from where a re-plan finds them."""
    seconds = result.seconds
    routing_carers = []
    for shift_carer in carers:
        home = places.index[("base", shift_carer.team.id or 0)]
        start_at = places.index.get(("carer", shift_carer.carer.id or 0), home)
        begin = seconds(max(shift_carer.start, shift_carer.available_from or shift_carer.start))
        end = seconds(shift_carer.end)
        if end <= begin:
            continue
        breaks: tuple[Break, ...] = ()
        due = shift_carer.break_taken is None and shift_carer.break_minutes
        if due and shift_carer.break_earliest and shift_carer.break_latest:
            # a re-plan that starts after the break's window still gives the break, as soon as it can
            earliest = max(seconds(shift_carer.break_earliest), begin)
            latest = max(seconds(shift_carer.break_latest), earliest)
            if latest + shift_carer.break_minutes * 60 <= end:
                breaks = (Break(earliest, latest, shift_carer.break_minutes * 60),)
        routing_carers.append(
            RoutingCarer(
                id=shift_carer.key,
                start_location=start_at if shift_carer.start_place is not None else home,
                end_location=home,
                shift_start=begin,
                shift_end=end,
                competences=effective_competences(shift_carer.carer.competences),
                breaks=breaks,
                profile=shift_carer.carer.transport_mode.value,
            )
        )
        result.carers[shift_carer.key] = shift_carer
    return routing_carers


@dataclass(frozen=True)
class UsualVisit:
    """When (local clock) and by whom a vedtak visit was planned the last time it came up."""

    start: dt.time
    carer_id: int


def _usual(
    result: PlanningInput,
    visit: DayVisit,
    usual: UsualVisit | None,
    window: TimeWindow,
    soft_end: int | None,
    on_shift: set[str],
) -> tuple[int | None, set[str]]:
    """The visit's anchor (its usual start, when today's window can hold it; never after the agreed end: a
    visit that was late is not meant to stay late) and its usual carer when on shift (the primary contact
    is among the recent carers already)."""
    if usual is None:
        return None, set()
    at = result.seconds(local_instant(visit.date, usual.start))
    if soft_end is not None and window.start <= soft_end:
        at = min(at, soft_end)
    return (at if window.contains(at) else None), {carer_key(usual.carer_id)} & on_shift


def _routing_visits(
    result: PlanningInput,
    visits: list[DayVisit],
    places: _Places,
    preferred: Mapping[int, frozenset[int]],
    early_s: int,
    replan: ReplanContext | None,
    partner_starts: Mapping[int, dt.datetime],
    usual: Mapping[int, UsualVisit],
) -> tuple[list[Visit], list[SameStart | Precedence]]:
    """Each visit (two for double staffing) with its windows, preferences and pins; then the links."""
    on_shift = set(result.carers)
    done = replan.done_keys if replan else frozenset()
    routing_visits: list[Visit] = []
    links: list[SameStart | Precedence] = []
    for visit in visits:
        keys = visit_keys(visit)
        if any(key in done for key in keys):
            continue
        held = _held_by_other_shift(visit, *_windows(visit, result.seconds, early_s), partner_starts, result)
        if isinstance(held, str):
            _exclude(result, [visit], "link_other_shift", held)
            continue
        window, soft_end = held
        wanted = {carer_key(cid) for cid in preferred.get(visit.recipient_id, frozenset())} & on_shift
        anchor, usual_carers = _usual(
            result, visit, usual.get(visit.decision_visit_id), window, soft_end, on_shift
        )
        wanted |= usual_carers  # the recent carers stay preferred too: fewer different faces in a week
        for key in keys:
            if replan and key in replan.previous_carer and replan.previous_carer[key] in on_shift:
                wanted = {replan.previous_carer[key]}
            pinned = (replan.hand_pinned.get(key) or replan.pinned.get(key)) if replan else None
            at = replan.hand_pinned_starts.get(key) if replan else None
            fixed_start = (
                result.seconds(at) if at is not None and window.contains(result.seconds(at)) else None
            )
            routing_visits.append(
                Visit(
                    id=key,
                    location=places.index[("recipient", visit.recipient_id)],
                    duration=visit.minutes * 60,
                    windows=(window,),
                    soft_end=soft_end,
                    competences=half_competences(visit, key),
                    preferred_carers=frozenset(wanted),
                    pinned_carer=pinned if pinned in on_shift else None,
                    keep_pinned=bool(replan and key in replan.hand_pinned and pinned in on_shift),
                    fixed_start=fixed_start,
                    anchor_start=anchor,
                )
            )
            result.visits[key] = visit
        if visit.double_staffed:
            links.append(SameStart(keys[0], keys[1]))
    for visit in visits:
        for link in visit.links:
            if link.from_visit_id != visit.decision_visit_id:
                continue
            first = _first_key(link.from_visit_id, result.visits)
            second = _first_key(link.to_visit_id, result.visits)
            if first in result.visits and second in result.visits:
                max_gap = None if link.max_gap_minutes is None else link.max_gap_minutes * 60
                links.append(Precedence(first, second, link.min_gap_minutes * 60, max_gap))
    return routing_visits, links


def build_input(
    *,
    day: dt.date,
    shift_kind: ShiftKind,
    team: Team,
    visits: list[DayVisit],
    carers: list[ShiftCarer],
    recipients: Mapping[int, Recipient],
    preferred: Mapping[int, frozenset[int]],
    network_for: Callable[[str], RoadNetwork],
    early_tolerance_minutes: int = 0,
    replan: ReplanContext | None = None,
    partner_starts: Mapping[int, dt.datetime] | None = None,
    usual: Mapping[int, UsualVisit] | None = None,
) -> PlanningInput:
    """The routing problem of one team's shift, with everything needed to turn its plan back into stops."""
    result = PlanningInput(day=day, shift_kind=shift_kind, team=team, problem=None)
    result.recipients = dict(recipients)
    if not carers:
        message = f"Ingen pleiere er på {shift_kind.value}-vakt i {team.name} {day.isoformat()} (sjekk turnus og fravær)."
        result.issues.append(Issue("no_carers", message))
        _exclude(result, visits, "no_carers", message)
        return result
    networks = [network_for(mode) for mode in sorted({c.carer.transport_mode.value for c in carers})]
    places, visits, carers = _snapped_places(result, visits, carers, recipients, networks)
    result.points = places.points
    if not places.points:
        return result
    matrices = {
        network.mode.name: travel_time_matrix(network, places.points).astype(np.int64) for network in networks
    }
    routing_carers = _routing_carers(result, carers, places)
    routing_visits, links = _routing_visits(
        result,
        visits,
        places,
        preferred,
        early_tolerance_minutes * 60,
        replan,
        partner_starts or {},
        usual or {},
    )
    result.problem = Problem(
        matrices=matrices, visits=tuple(routing_visits), carers=tuple(routing_carers), links=tuple(links)
    )
    if replan is not None:
        result.hand_pinned = {k: c for k, c in replan.hand_pinned.items() if k in result.visits}
        result.hand_pinned_starts = {k: t for k, t in replan.hand_pinned_starts.items() if k in result.visits}
        result.initial_routes = {
            carer: tuple(v for v in route if v in result.visits)
            for carer, route in replan.initial_routes.items()
            if carer in result.carers
        }
    return result


# ---- routing.Plan → rows ------------------------------------------------------------------------


def solved_stops(inp: PlanningInput, solution: RoutingPlan) -> dict[int, list[Stop]]:
    """Carer id → the solver's stops as rows (not yet on a route), each with the lateness it computed."""
    assert inp.problem is not None
    problem = inp.problem
    rows: dict[int, list[Stop]] = {}
    for route in solution.routes:
        shift_carer = inp.carers.get(route.carer_id)
        if shift_carer is None:
            continue
        matrix = problem.matrices[problem.carers[problem.carer_index[route.carer_id]].profile]
        place = problem.carers[problem.carer_index[route.carer_id]].start_location
        stops = rows.setdefault(shift_carer.carer.id or 0, [])
        for stop in route.stops:
            visit = inp.visits[stop.visit_id]
            location = problem.visits[problem.visit_index[stop.visit_id]].location
            stops.append(
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
                    lateness_seconds=stop.lateness,
                    pinned=stop.visit_id in inp.hand_pinned,
                    pinned_time=stop.visit_id in inp.hand_pinned_starts,
                )
            )
            place = location
    return rows


def route_row(inp: PlanningInput, solution: RoutingPlan | None, *, plan_id: int, carer_id: int) -> Route:
    """A carer's route row: the shift they work (also where it ended before a re-plan, so the KPIs count
    the hours paid), the break and travel the solver planned."""
    on_shift = inp.carers.get(carer_key(carer_id)) or inp.worked.get(carer_key(carer_id))
    routed = solution.route_of(carer_key(carer_id)) if solution else None
    break_start = inp.instant(routed.break_starts[0]) if routed and routed.break_starts else None
    if on_shift is not None and on_shift.break_taken is not None:
        break_start = on_shift.break_taken
    return Route(
        plan_id=plan_id,
        carer_id=carer_id,
        shift_start=on_shift.start if on_shift else None,
        shift_end=on_shift.end if on_shift else None,
        break_start=break_start,
        break_minutes=on_shift.break_minutes if break_start is not None and on_shift else 0,
        travel_seconds=routed.travel_time if routed else 0,
    )
