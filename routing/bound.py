"""How many visits could possibly start inside their agreed windows: a sound upper bound for a problem.

A plan's share of visits on time means little without knowing what was possible. The bound relaxes the
routing problem to energetic reasoning (Baptiste, Le Pape & Nuijten 2001) over the carers' shifts:

- a visit served on time by some carer occupies that carer for a block of its service plus half of the
  shortest travel into its place and half of the shortest travel out of it (from a carer's start or a
  visit that can be done before it, to a carer's end or a visit that can still follow it); two consecutive
  blocks of one carer never overlap, because the travel between them is at least the sum of those halves;
- the block starts somewhere between the earliest and latest start that some qualified carer could give
  it inside the agreed window (reached from the shift's start, back by the shift's end);
- in every interval [t1, t2], the least part of each on-time block that must fall inside it, summed over
  the visits only a group of carers can serve, is at most the group's shift time in the interval; the
  service alone is also at most that time minus the part of the carers' breaks that must fall there
  (a break may overlap travel, never a visit).

- the visits only a smaller group of carers (the nurses) can start on time are at most as many as that
  group's own bound allows, computed on a problem of only those carers and visits, travel in its metric
  closure (a plan cut down to them is a plan of that problem): the energetic rows alone let a nurse's
  visit borrow a free leg from a helper's visit in the same building.

The largest number of visits that fits all those constraints (an integer program solved by HiGHS; its LP
relaxation or dual bound where the time runs out) can only be above what any plan achieves. Visits no
qualified carer can start on time, whatever the others do, are named with a reason, and their forced
lateness (if they are served at all) gives a lower bound on lateness.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

from routing.on_time import on_time_window
from routing.problem import Problem, SameStart

MAX_POINTS = 80  # interval ends per side; fewer constraints only loosen the bound, never break it
MAX_GROUPS = 6  # carer groups beyond the largest ones add little and cost time
MIP_SECONDS = 2.0

NO_COMPETENT_CARER = "no_competent_carer"
NO_SHIFT_COVERS = "no_shift_covers"
NO_SECOND_CARER = "no_second_carer"


@dataclass(frozen=True)
class Bound:
    """`on_time_max`: no plan starts more of `visits` inside their agreed windows. `lateness_min_s`: the
    lateness those visits that cannot be on time bring at the least, if they are served. `impossible`:
    visit id → why no carer can start it on time (NO_COMPETENT_CARER, NO_SHIFT_COVERS; NO_SECOND_CARER for
    a double-staffed half when no two different carers can start the halves on time)."""

    on_time_max: int
    visits: int
    lateness_min_s: int
    impossible: Mapping[str, str] = field(default_factory=dict)
    method: str = "mip"
    seconds: float = 0.0


@dataclass(frozen=True)
class _Block:
    visit: int
    first: float  # earliest block start
    last: float  # latest block start
    length: float  # service plus the travel halves
    lead: float  # travel half before the service
    service: int
    carers: frozenset[int]


def _shortest_legs(problem: Problem) -> tuple[dict[int, int], dict[int, int]]:
    """Visit index → the shortest travel into its place from any place a carer can come from before an
    on-time start (a carer's start, or a visit that can end and be left early enough), and out of it to any
    place a carer can go to after it (an end, or a visit still open by then), any profile used. A
    recipient's own later visit at the same address is no predecessor of the morning one: without this
    time order every visit of a recipient with two visits a day had a free leg in or out."""
    visits = problem.visits
    if not visits:
        return {}, {}
    profiles = sorted({c.profile for c in problem.carers})
    starts = [c.start_location for c in problem.carers]
    ends = [c.end_location for c in problem.carers]
    locations = np.array([v.location for v in visits], dtype=np.int64)
    opens = np.array([v.fixed_start if v.fixed_start is not None else v.earliest for v in visits])
    closes = np.array([v.fixed_start if v.fixed_start is not None else v.latest for v in visits])
    durations = np.array([v.duration for v in visits])
    first = np.array([on_time_window(v)[0] for v in visits])
    last = np.array([on_time_window(v)[1] for v in visits])
    unreachable = np.iinfo(np.int64).max
    into = np.full(len(visits), unreachable)
    out = np.full(len(visits), unreachable)
    for profile in profiles:
        matrix = problem.matrices[profile]
        legs = matrix[np.ix_(locations, locations)].astype(np.int64)  # legs[j, i]: from visit j to visit i
        before = (opens + durations)[:, None] + legs <= last[None, :]
        after = (first + durations)[:, None] + legs <= closes[None, :]
        np.fill_diagonal(before, False)
        np.fill_diagonal(after, False)
        into = np.minimum(into, np.where(before, legs, unreachable).min(axis=0))
        into = np.minimum(into, matrix[np.ix_(np.asarray(starts, dtype=np.int64), locations)].min(axis=0))
        out = np.minimum(out, np.where(after, legs, unreachable).min(axis=1))
        out = np.minimum(out, matrix[np.ix_(locations, np.asarray(ends, dtype=np.int64))].min(axis=1))
    return {i: int(x) for i, x in enumerate(into)}, {i: int(x) for i, x in enumerate(out)}


def _blocks(problem: Problem) -> tuple[list[_Block], dict[str, str], int]:
    """The on-time block of each visit some carer can start on time; the others with a reason, and the
    lateness they force on a plan that serves them."""
    into, out = _shortest_legs(problem) if problem.carers else ({}, {})
    blocks: list[_Block] = []
    impossible: dict[str, str] = {}
    forced = 0
    for i, visit in enumerate(problem.visits):
        first, last = on_time_window(visit)
        qualified = [k for k, c in enumerate(problem.carers) if problem.may_serve(c, visit)]
        earliest: dict[int, int] = {}
        latest: dict[int, int] = {}
        for k in qualified:
            carer = problem.carers[k]
            matrix = problem.matrices[carer.profile]
            reach = carer.shift_start + int(matrix[carer.start_location, visit.location])
            leave = carer.shift_end - visit.duration - int(matrix[visit.location, carer.end_location])
            earliest[k], latest[k] = max(first, reach), min(last, leave)
        able = frozenset(k for k in qualified if earliest[k] <= latest[k])
        if not qualified:
            impossible[visit.id] = NO_COMPETENT_CARER
            continue
        if not able:
            impossible[visit.id] = NO_SHIFT_COVERS
            soonest = min(max(earliest[k], first) for k in qualified)
            forced += max(0, soonest - last) * (visit.soft_end is not None)
            continue
        lead, trail = into[i] / 2, out[i] / 2
        blocks.append(
            _Block(
                visit=i,
                first=min(earliest[k] for k in able) - lead,
                last=max(latest[k] for k in able) - lead,
                length=lead + visit.duration + trail,
                lead=lead,
                service=visit.duration,
                carers=able,
            )
        )
    return _without_lone_pairs(problem, blocks, impossible), impossible, forced


def _without_lone_pairs(problem: Problem, blocks: list[_Block], impossible: dict[str, str]) -> list[_Block]:
    """Double-staffed halves need two different carers at once; where only one carer can start either half
    on time (one nurse on shift, both halves nurse tasks), neither half can be on time. The energetic rows
    miss this: the two blocks fit one carer's time, only not at the same moment."""
    by_visit = {b.visit: b for b in blocks}
    lone: set[int] = set()
    for link in problem.links:
        if not isinstance(link, SameStart):
            continue
        a, b = by_visit.get(problem.visit_index[link.first]), by_visit.get(problem.visit_index[link.second])
        if a is not None and b is not None and len(a.carers | b.carers) < 2:
            lone.update((a.visit, b.visit))
    for i in lone:
        impossible[problem.visits[i].id] = NO_SECOND_CARER
    return [b for b in blocks if b.visit not in lone]


def _least_overlap(first: float, last: float, length: float, t1: float, t2: float) -> float:
    """The least overlap with [t1, t2] of a block of `length` starting anywhere in [first, last]."""

    def overlap(start: float) -> float:
        return max(0.0, min(start + length, t2) - max(start, t1))

    return min(overlap(first), overlap(last))


def _points(values: list[float]) -> list[float]:
    unique = sorted(set(values))
    if len(unique) <= MAX_POINTS:
        return unique
    picks = np.linspace(0, len(unique) - 1, MAX_POINTS).round().astype(int)
    return [unique[i] for i in sorted(set(picks.tolist()))]


def _groups(blocks: list[_Block], every: frozenset[int]) -> list[frozenset[int]]:
    """The carer groups to constrain: all carers, and the most common sets of carers able to do a visit."""
    counts = Counter(b.carers for b in blocks)
    chosen = [every] + [s for s, _ in counts.most_common() if s != every]
    return chosen[: MAX_GROUPS + 1]


def _rows(problem: Problem, blocks: list[_Block]) -> tuple[list[dict[int, float]], list[float]]:
    """Energetic constraints that can bind: coefficients by block index and the right-hand side."""
    carers = problem.carers
    t1s = _points([b.first for b in blocks] + [c.shift_start for c in carers])
    t2s = _points([b.last + b.length for b in blocks] + [c.shift_end for c in carers])
    rows: list[dict[int, float]] = []
    rhs: list[float] = []
    for group in _groups(blocks, frozenset(range(len(carers)))):
        members = [j for j, b in enumerate(blocks) if b.carers <= group]
        if not members:
            continue
        for t1 in t1s:
            for t2 in t2s:
                if t2 <= t1:
                    continue
                capacity = sum(
                    max(0, min(carers[k].shift_end, t2) - max(carers[k].shift_start, t1)) for k in group
                )
                blocked = sum(
                    _least_overlap(b.earliest_start, b.latest_start, b.duration, t1, t2)
                    for k in group
                    for b in carers[k].breaks
                )
                whole: dict[int, float] = {}
                service: dict[int, float] = {}
                for j in members:
                    b = blocks[j]
                    need = _least_overlap(b.first, b.last, b.length, t1, t2)
                    if need > 0:
                        whole[j] = need
                    served = _least_overlap(b.first + b.lead, b.last + b.lead, b.service, t1, t2)
                    if served > 0:
                        service[j] = served
                for coefficients, limit in ((whole, capacity), (service, capacity - blocked)):
                    if sum(coefficients.values()) > limit + 1e-9:
                        rows.append(coefficients)
                        rhs.append(limit)
    return rows, rhs


def _same_start_rows(problem: Problem, blocks: list[_Block]) -> list[tuple[int, int]]:
    """Double-staffed halves with the same on-time starts are on time together or not at all."""
    position = {b.visit: j for j, b in enumerate(blocks)}
    pairs = []
    for link in problem.links:
        if not isinstance(link, SameStart):
            continue
        a, b = problem.visit_index[link.first], problem.visit_index[link.second]
        same = on_time_window(problem.visits[a]) == on_time_window(problem.visits[b])
        if same and a in position and b in position:
            pairs.append((position[a], position[b]))
    return pairs


def _solve(
    count: int, rows: list[dict[int, float]], rhs: list[float], pairs: list[tuple[int, int]]
) -> tuple[int, str]:
    """The most blocks that fit: the integer optimum, else the floor of a dual bound or the LP."""
    if count == 0:
        return 0, "empty"
    data: list[float] = []
    cols: list[int] = []
    ptr = [0]
    for row in rows:
        cols.extend(row)
        data.extend(row.values())
        ptr.append(len(cols))
    for a, b in pairs:
        cols.extend((a, b))
        data.extend((1.0, -1.0))
        ptr.append(len(cols))
    if len(ptr) == 1:
        return count, "trivial"
    matrix = csr_array((data, cols, ptr), shape=(len(ptr) - 1, count))
    upper = np.array(rhs + [0.0] * len(pairs))
    lower = np.array([-np.inf] * len(rhs) + [0.0] * len(pairs))
    objective = -np.ones(count)
    result = milp(
        objective,
        constraints=LinearConstraint(matrix, lower, upper),
        integrality=np.ones(count),
        bounds=Bounds(0, 1),
        options={"time_limit": MIP_SECONDS},
    )
    if result.status == 0 and result.fun is not None:
        return round(-result.fun), "mip"
    dual = getattr(result, "mip_dual_bound", None)
    if dual is not None and math.isfinite(dual):
        return math.floor(-dual + 1e-6), "mip-dual"
    relaxed = linprog(objective, A_ub=matrix[: len(rhs)], b_ub=rhs, bounds=(0, 1), method="highs")
    return math.floor(-relaxed.fun + 1e-6), "lp"


def _metric_closure(matrix: np.ndarray, places: list[int]) -> np.ndarray:
    """Shortest travel between `places` through any of them (Floyd-Warshall): never above the matrix, and
    a route that skips a visit is never longer than the one through it."""
    closed = matrix[np.ix_(places, places)].astype(np.int64)
    for k in range(len(places)):
        np.minimum(closed, closed[:, k, None] + closed[None, k, :], out=closed)
    return closed


def _group_part(problem: Problem, group: frozenset[int], visit_ids: set[str]) -> Problem:
    """Only the group's carers and the visits only they can start on time, travel as its metric closure."""
    carers = [problem.carers[k] for k in sorted(group)]
    visits = [v for v in problem.visits if v.id in visit_ids]
    places = sorted(
        {v.location for v in problem.visits}
        | {c.start_location for c in carers}
        | {c.end_location for c in carers}
    )
    where = {loc: i for i, loc in enumerate(places)}
    names = {c.id for c in carers}
    return Problem(
        {p: _metric_closure(problem.matrices[p], places) for p in sorted({c.profile for c in carers})},
        tuple(
            replace(
                v,
                location=where[v.location],
                preferred_carers=frozenset(),
                forbidden_carers=v.forbidden_carers & names,
                pinned_carer=v.pinned_carer if v.pinned_carer in names else None,
            )
            for v in visits
        ),
        tuple(
            replace(c, start_location=where[c.start_location], end_location=where[c.end_location])
            for c in carers
        ),
        links=tuple(link for link in problem.links if {link.first, link.second} <= visit_ids),
    )


def _group_cuts(problem: Problem, blocks: list[_Block]) -> tuple[list[dict[int, float]], list[float]]:
    """For each carer group but the whole staff: the visits only it can start on time are at most as many
    on time as the group could manage with nothing else to do. Any plan, cut down to those visits on the
    group's routes, is a plan of that smaller problem (skipping a visit never lengthens a drive in the
    metric closure), so its own bound caps them: the energetic rows alone let a nurse's on-time visits
    borrow free legs from the helpers' visits next door, which the nurse would have to make too."""
    every = frozenset(range(len(problem.carers)))
    rows: list[dict[int, float]] = []
    rhs: list[float] = []
    for group in _groups(blocks, every)[1:]:
        members = [j for j, b in enumerate(blocks) if b.carers <= group]
        if len(members) < 2:
            continue
        part = _group_part(problem, group, {problem.visits[blocks[j].visit].id for j in members})
        best = on_time_bound(part, group_cuts=False).on_time_max
        if best < len(members):
            rows.append({j: 1.0 for j in members})
            rhs.append(best)
    return rows, rhs


def on_time_bound(problem: Problem, *, group_cuts: bool = True) -> Bound:
    """An upper bound on the visits any plan of `problem` starts inside their agreed windows."""
    began = time.monotonic()
    blocks, impossible, forced = _blocks(problem)
    rows, rhs = _rows(problem, blocks)
    if group_cuts:
        cut_rows, cut_rhs = _group_cuts(problem, blocks)
        rows, rhs = rows + cut_rows, rhs + cut_rhs
    best, method = _solve(len(blocks), rows, rhs, _same_start_rows(problem, blocks))
    return Bound(
        on_time_max=best,
        visits=len(problem.visits),
        lateness_min_s=forced,
        impossible=impossible,
        method=method,
        seconds=time.monotonic() - began,
    )
