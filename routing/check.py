"""routing.check: an independent validator of a Plan against its Problem.

It shares no code with the OR-Tools model: it recomputes every arrival from the travel matrix, the
order of stops and the reported start times, and reports every violated constraint by name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from routing.params import Weights
from routing.plan import Plan
from routing.problem import Break, Carer, Precedence, Problem, SameStart, Visit


@dataclass(frozen=True)
class Violation:
    kind: str  # window | competence | link | break | shift | capacity | double_service | missing | timing
    subject: str
    message: str


@dataclass(frozen=True)
class CheckResult:
    violations: tuple[Violation, ...]
    lateness_total: int
    lateness_max: int
    travel: int
    continuity_misses: int
    dropped_mandatory: int
    dropped_optional: int
    weighted_total: int
    starts: dict[str, int] = field(default_factory=dict)
    anchor_deviation: int = 0
    idle_carers: int = 0

    @property
    def feasible(self) -> bool:
        return not self.violations

    def kinds(self) -> set[str]:
        return {v.kind for v in self.violations}


def check(problem: Problem, plan: Plan, weights: Weights | None = None) -> CheckResult:
    """Every constraint, recomputed; the objective as the problem defines it."""
    w = weights or Weights()
    bad: list[Violation] = []
    starts: dict[str, int] = {}
    served_by: dict[str, str] = {}
    counts = Counter(stop.visit_id for route in plan.routes for stop in route.stops)
    for vid, n in counts.items():
        if n > 1:
            bad.append(Violation("double_service", vid, f"visit {vid} is served {n} times"))
        if vid not in problem.visit_index:
            bad.append(Violation("missing", vid, f"plan serves unknown visit {vid}"))
    unassigned = {u.visit_id for u in plan.unassigned}
    for visit in problem.visits:
        if visit.id not in counts and visit.id not in unassigned:
            bad.append(Violation("missing", visit.id, f"visit {visit.id} is neither routed nor unassigned"))
        if visit.id in counts and visit.id in unassigned:
            bad.append(Violation("double_service", visit.id, f"visit {visit.id} is routed and unassigned"))

    travel_total = 0
    late_values: list[int] = []
    misses = 0
    seen_carers: set[str] = set()
    for route in plan.routes:
        if route.carer_id not in problem.carer_index:
            bad.append(Violation("shift", route.carer_id, f"route for unknown carer {route.carer_id}"))
            continue
        if route.carer_id in seen_carers:
            bad.append(Violation("double_service", route.carer_id, f"carer {route.carer_id} has two routes"))
        seen_carers.add(route.carer_id)
        carer = problem.carers[problem.carer_index[route.carer_id]]
        matrix = problem.matrices[carer.profile]
        if route.start_time < carer.shift_start:
            bad.append(Violation("shift", carer.id, f"carer {carer.id} starts before the shift"))
        clock, place, load = route.start_time, carer.start_location, 0
        busy: list[tuple[int, int]] = []
        for stop in route.stops:
            if stop.visit_id not in problem.visit_index:
                continue
            visit = problem.visits[problem.visit_index[stop.visit_id]]
            leg = int(matrix[place, visit.location])
            travel_total += leg
            earliest_arrival = clock + leg
            if stop.start < earliest_arrival:
                bad.append(
                    Violation(
                        "timing",
                        visit.id,
                        f"visit {visit.id} starts at {stop.start}, but the carer cannot arrive "
                        f"before {earliest_arrival}",
                    )
                )
            if not any(win.contains(stop.start) for win in visit.windows):
                bad.append(
                    Violation(
                        "window", visit.id, f"visit {visit.id} starts at {stop.start}, outside its windows"
                    )
                )
            if visit.fixed_start is not None and stop.start != visit.fixed_start:
                bad.append(
                    Violation("window", visit.id, f"visit {visit.id} must start at {visit.fixed_start}")
                )
            if not visit.competences <= carer.competences:
                bad.append(
                    Violation(
                        "competence",
                        visit.id,
                        f"carer {carer.id} lacks {sorted(visit.competences - carer.competences)}",
                    )
                )
            if carer.id in visit.forbidden_carers or (visit.pinned_carer not in (None, carer.id)):
                bad.append(
                    Violation("competence", visit.id, f"carer {carer.id} may not serve visit {visit.id}")
                )
            late = max(0, stop.start - visit.soft_end) if visit.soft_end is not None else 0
            late_values.append(late)
            misses += int(bool(visit.preferred_carers) and carer.id not in visit.preferred_carers)
            load += visit.demand
            starts[visit.id] = stop.start
            served_by[visit.id] = carer.id
            busy.append((stop.start, stop.start + visit.duration))
            clock, place = stop.start + visit.duration, visit.location
        back = int(matrix[place, carer.end_location])
        travel_total += back
        finish = clock + back
        if route.end_time < finish or finish > carer.shift_end:
            bad.append(
                Violation("shift", carer.id, f"carer {carer.id} is back at {finish}, after the shift end")
            )
        if carer.capacity is not None and load > carer.capacity:
            bad.append(Violation("capacity", carer.id, f"carer {carer.id} carries {load} > {carer.capacity}"))
        if carer.max_working_time is not None and route.end_time - route.start_time > carer.max_working_time:
            bad.append(Violation("shift", carer.id, f"carer {carer.id} works longer than allowed"))
        bad.extend(_check_breaks(carer.id, carer.breaks, route.break_starts, busy))

    for link in problem.links:
        a, b = starts.get(link.first), starts.get(link.second)
        if isinstance(link, SameStart):
            if (a is None) != (b is None):
                bad.append(
                    Violation(
                        "link", link.first, f"double-staffed {link.first}/{link.second}: only one served"
                    )
                )
            elif a is not None and b is not None:
                if a != b:
                    bad.append(
                        Violation(
                            "link", link.first, f"double-staffed {link.first}/{link.second} start apart"
                        )
                    )
                if served_by[link.first] == served_by[link.second]:
                    bad.append(
                        Violation("link", link.first, "double-staffed visit served by one carer twice")
                    )
        elif isinstance(link, Precedence) and a is not None and b is not None:
            gap = b - a
            if gap < link.min_gap or (link.max_gap is not None and gap > link.max_gap):
                bad.append(
                    Violation(
                        "link",
                        link.second,
                        f"{link.second} starts {gap}s after {link.first}; allowed "
                        f"[{link.min_gap}, {link.max_gap if link.max_gap is not None else '∞'}]",
                    )
                )

    idle = _idle_carers(problem, plan, starts, unassigned)
    off_anchor = sum(v.off_anchor(starts[v.id], w.anchor_tolerance) for v in problem.visits if v.id in starts)
    dropped = [problem.visits[problem.visit_index[v]] for v in unassigned if v in problem.visit_index]
    dropped_mandatory = sum(1 for v in dropped if v.mandatory)
    weighted = (
        sum(
            max(0, starts[v.id] - v.soft_end) * w.lateness_per_second * v.lateness_weight
            for v in problem.visits
            if v.id in starts and v.soft_end is not None
        )
        + max(late_values, default=0) * w.max_lateness_per_second
        + travel_total * w.travel_per_second
        + misses * w.continuity_miss
        + off_anchor * w.anchor_per_second
        + dropped_mandatory * w.mandatory_drop
        + sum(v.drop_penalty for v in dropped if not v.mandatory)
        + idle * w.idle_carer
    )
    return CheckResult(
        tuple(bad),
        sum(late_values),
        max(late_values, default=0),
        travel_total,
        misses,
        dropped_mandatory,
        len(dropped) - dropped_mandatory,
        weighted,
        starts,
        off_anchor,
        idle,
    )


def _idle_carers(problem: Problem, plan: Plan, starts: dict[str, int], unassigned: set[str]) -> int:
    """Carers without visits (an empty route or none) while an unlinked visit they may do, left out
    (mandatory) or started after its agreed end, could have been started inside its agreed window by them
    coming straight from their start."""
    linked = {vid for link in problem.links for vid in (link.first, link.second)}
    waiting = [
        v
        for v in problem.visits
        if v.id not in linked
        and (
            (v.id in unassigned and v.mandatory)
            or (v.id in starts and v.soft_end is not None and starts[v.id] > v.soft_end)
        )
    ]
    working = {route.carer_id for route in plan.routes if route.stops}
    return sum(
        1
        for carer in problem.carers
        if carer.id not in working and any(_on_time_alone(problem, carer, v) for v in waiting)
    )


def _on_time_alone(problem: Problem, carer: Carer, visit: Visit) -> bool:
    """The carer may do the visit and, straight from the shift's start, start it on time and be back."""
    if (
        not visit.competences <= carer.competences
        or carer.id in visit.forbidden_carers
        or visit.pinned_carer not in (None, carer.id)
    ):
        return False
    matrix = problem.matrices[carer.profile]
    reach = carer.shift_start + int(matrix[carer.start_location, visit.location])
    back = int(matrix[visit.location, carer.end_location])
    for window in visit.windows:
        start = max(reach, window.start) if visit.fixed_start is None else visit.fixed_start
        last = window.end if visit.soft_end is None else min(window.end, visit.soft_end)
        if (
            reach <= start
            and window.start <= start <= last
            and start + visit.duration + back <= carer.shift_end
        ):
            return True
    return False


def _check_breaks(
    carer_id: str,
    breaks: tuple[Break, ...],
    starts: tuple[int, ...],
    busy: list[tuple[int, int]],
) -> list[Violation]:
    """Each break taken, in its window, not overlapping a visit."""
    if not breaks:
        return []
    if len(starts) != len(breaks):
        return [
            Violation(
                "break", carer_id, f"carer {carer_id}: {len(breaks)} breaks required, {len(starts)} taken"
            )
        ]
    found: list[Violation] = []
    for brk, start in zip(sorted(breaks, key=lambda b: b.earliest_start), sorted(starts), strict=True):
        if not brk.earliest_start <= start <= brk.latest_start:
            found.append(
                Violation("break", carer_id, f"carer {carer_id}: break at {start} outside its window")
            )
        end = start + brk.duration
        for a, b in busy:
            if start < b and a < end:
                found.append(Violation("break", carer_id, f"carer {carer_id}: break overlaps a visit at {a}"))
    return found
