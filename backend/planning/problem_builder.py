"""From vedtak, rota and the road network to a `routing.Problem` for one team's shift.

Times are seconds since the plan day's local midnight (real elapsed seconds, so DST days are right).
A double-staffed visit becomes two routing visits ("v12a", "v12b") joined by SameStart; a lunch → dinner
link becomes a Precedence. Problems with the input (an address off the road network, nobody on shift) are
collected as issues for the coordinator instead of stopping the plan for everyone else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from backend.carers.competence import effective_competences
from backend.carers.models import Carer
from backend.common.enums import ShiftKind
from backend.common.localtime import local_clock, local_midnight, seconds_since_local_midnight
from backend.decisions.expansion import DayVisit
from backend.recipients.models import Recipient
from backend.teams.models import Team
from maps import MapError, Point, RoadNetwork, snap, travel_time_matrix
from routing import Break, Precedence, Problem, SameStart, TimeWindow, Visit
from routing import Carer as RoutingCarer

SOFT_WINDOW_SLACK_S = 2 * 3600  # a soft window without "latest acceptable" may be met up to 2 h late
SHIFT_OF_HOUR = {
    **dict.fromkeys(range(6, 15), ShiftKind.day),
    **dict.fromkeys(range(15, 23), ShiftKind.evening),
}


def shift_of(visit: DayVisit) -> ShiftKind:
    """The shift whose carers make a visit, from its agreed window's local start (day 06-15, evening 15-23)."""
    hour = int(local_clock(visit.window_start)[:2])
    return SHIFT_OF_HOUR.get(hour, ShiftKind.night)


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

    @property
    def key(self) -> str:
        return f"c{self.carer.id}"


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


@dataclass
class PlanningInput:
    day: dt.date
    shift_kind: ShiftKind
    team: Team
    problem: Problem | None
    visits: dict[str, DayVisit] = field(default_factory=dict)
    carers: dict[str, ShiftCarer] = field(default_factory=dict)
    points: list[Point] = field(default_factory=list)
    recipients: dict[int, Recipient] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    excluded: dict[str, tuple[str, str]] = field(default_factory=dict)
    initial_routes: Mapping[str, tuple[str, ...]] | None = None

    def seconds(self, instant: dt.datetime) -> int:
        return seconds_since_local_midnight(instant, self.day)

    def instant(self, seconds: int) -> dt.datetime:
        return local_midnight(self.day) + dt.timedelta(seconds=seconds)


def visit_keys(visit: DayVisit) -> tuple[str, ...]:
    base = f"v{visit.decision_visit_id}"
    return (base + "a", base + "b") if visit.double_staffed else (base,)


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
) -> PlanningInput:
    """The routing problem of one team's shift, with everything needed to turn its plan back into stops."""
    result = PlanningInput(day=day, shift_kind=shift_kind, team=team, problem=None)
    result.recipients = dict(recipients)
    if not carers:
        message = f"Ingen pleiere er på {shift_kind.value}-vakt i {team.name} {day.isoformat()} (sjekk turnus og fravær)."
        result.issues.append(Issue("no_carers", message))
        for visit in visits:
            for key in visit_keys(visit):
                result.visits[key] = visit
                result.excluded[key] = ("no_carers", message)
        return result
    modes = sorted({c.carer.transport_mode.value for c in carers})
    networks = [network_for(mode) for mode in modes]

    points: list[Point] = []
    place_index: dict[tuple[str, int], int] = {}

    def place(kind: str, ident: int, point: Point) -> int:
        if (kind, ident) not in place_index:
            place_index[(kind, ident)] = len(points)
            points.append(point)
        return place_index[(kind, ident)]

    for shift_carer in carers:
        base = shift_carer.team
        place("base", base.id or 0, Point(base.base_lat, base.base_lon, f"basen til {base.name}"))
        if shift_carer.start_place is not None:
            place("carer", shift_carer.carer.id or 0, shift_carer.start_place)
    for visit in visits:
        person = recipients[visit.recipient_id]
        place("recipient", visit.recipient_id, Point(person.lat, person.lon, f"adressen til {person.name}"))
    bad = _unsnappable(networks, points)
    for (kind, ident), index in place_index.items():
        if index in bad and kind == "recipient":
            result.issues.append(
                Issue(
                    "unsnappable",
                    f"{recipients[ident].name} ({recipients[ident].address}) kan ikke plasseres på veinettet: "
                    f"{bad[index]}. Rett koordinatene til adressen.",
                    recipient_id=ident,
                )
            )
        elif index in bad:
            result.issues.append(
                Issue("unsnappable", f"Startstedet ({points[index].label}) ligger utenfor veinettet.")
            )
    if bad:
        for visit in visits:
            if place_index[("recipient", visit.recipient_id)] in bad:
                for key in visit_keys(visit):
                    result.visits[key] = visit
                    result.excluded[key] = ("unsnappable", "Adressen kan ikke plasseres på veinettet.")
        visits = [v for v in visits if place_index[("recipient", v.recipient_id)] not in bad]
        carers = [
            c
            for c in carers
            if place_index[("base", c.team.id or 0)] not in bad
            and (c.start_place is None or place_index[("carer", c.carer.id or 0)] not in bad)
        ]
        kept = sorted(set(range(len(points))) - set(bad))
        renumber = {old: new for new, old in enumerate(kept)}
        points = [points[i] for i in kept]
        place_index = {k: renumber[i] for k, i in place_index.items() if i in renumber}
    result.points = points
    if not points:
        return result

    matrices = {
        network.mode.name: travel_time_matrix(network, points).astype(np.int64) for network in networks
    }
    seconds = result.seconds
    early_s = early_tolerance_minutes * 60
    done = replan.done_keys if replan else frozenset()

    routing_carers = []
    for shift_carer in carers:
        home = place_index[("base", shift_carer.team.id or 0)]
        start_at = (
            place_index[("carer", shift_carer.carer.id or 0)] if shift_carer.start_place is not None else home
        )
        begin, end = seconds(shift_carer.start), seconds(shift_carer.end)
        if end <= begin:
            continue
        breaks: tuple[Break, ...] = ()
        if shift_carer.break_minutes and shift_carer.break_earliest and shift_carer.break_latest:
            earliest = max(seconds(shift_carer.break_earliest), begin)
            latest = seconds(shift_carer.break_latest)
            if latest >= earliest and latest + shift_carer.break_minutes * 60 <= end:
                breaks = (Break(earliest, latest, shift_carer.break_minutes * 60),)
        routing_carers.append(
            RoutingCarer(
                id=shift_carer.key,
                start_location=start_at,
                end_location=home,
                shift_start=begin,
                shift_end=end,
                competences=effective_competences(shift_carer.carer.competences),
                breaks=breaks,
                profile=shift_carer.carer.transport_mode.value,
            )
        )
        result.carers[shift_carer.key] = shift_carer
    on_shift = set(result.carers)

    routing_visits: list[Visit] = []
    links: list[SameStart | Precedence] = []
    for visit in visits:
        keys = visit_keys(visit)
        if any(key in done for key in keys):
            continue
        window, soft_end = _windows(visit, seconds, early_s)
        wanted = {f"c{cid}" for cid in preferred.get(visit.recipient_id, frozenset())} & on_shift
        for key in keys:
            if replan and key in replan.previous_carer and replan.previous_carer[key] in on_shift:
                wanted = {replan.previous_carer[key]}
            pinned = replan.pinned.get(key) if replan else None
            routing_visits.append(
                Visit(
                    id=key,
                    location=place_index[("recipient", visit.recipient_id)],
                    duration=visit.minutes * 60,
                    windows=(window,),
                    soft_end=soft_end,
                    competences=visit.required_competences,
                    preferred_carers=frozenset(wanted),
                    pinned_carer=pinned if pinned in on_shift else None,
                )
            )
            result.visits[key] = visit
        if visit.double_staffed:
            links.append(SameStart(keys[0], keys[1]))
    for visit in visits:
        for link in visit.links:
            if link.from_visit_id != visit.decision_visit_id:
                continue
            first, second = f"v{link.from_visit_id}", f"v{link.to_visit_id}"
            first = first if first in result.visits else first + "a"
            second = second if second in result.visits else second + "a"
            if first in result.visits and second in result.visits:
                max_gap = None if link.max_gap_minutes is None else link.max_gap_minutes * 60
                links.append(Precedence(first, second, link.min_gap_minutes * 60, max_gap))
    result.problem = Problem(
        matrices=matrices, visits=tuple(routing_visits), carers=tuple(routing_carers), links=tuple(links)
    )
    if replan is not None:
        result.initial_routes = {
            carer: tuple(v for v in route if v in result.visits)
            for carer, route in replan.initial_routes.items()
            if carer in result.carers
        }
    return result
