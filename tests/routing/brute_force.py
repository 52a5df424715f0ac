"""The exact optimum of a small problem without links or breaks, by enumeration (a test oracle).

For a fixed sequence, starting every visit as early as possible minimises lateness (cost grows with the
start time) and the travel is fixed, so enumerating assignments and orders with earliest starts is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from routing import Precedence, Problem, SameStart, Weights


def _sequence_cost(
    problem: Problem, carer_index: int, order: tuple[int, ...], w: Weights, starts: dict[int, int]
) -> int | None:
    carer = problem.carers[carer_index]
    matrix = problem.matrices[carer.profile]
    clock, place, cost = carer.shift_start, carer.start_location, 0
    for v in order:
        visit = problem.visits[v]
        if not problem.may_serve(carer, visit):
            return None
        leg = int(matrix[place, visit.location])
        start = max(clock + leg, visit.windows[0].start)
        if start > visit.windows[0].end:
            return None
        cost += leg * w.travel_per_second
        starts[v] = start
        if visit.soft_end is not None:
            cost += max(0, start - visit.soft_end) * w.lateness_per_second * visit.lateness_weight
        clock, place = start + visit.duration, visit.location
    back = int(matrix[place, carer.end_location])
    if clock + back > carer.shift_end:
        return None
    return cost + back * w.travel_per_second


def _splits(items: tuple[int, ...], k: int) -> Iterator[list[tuple[int, ...]]]:
    """Every way to lay `items` out as k ordered sequences."""
    for perm in itertools.permutations(items):
        for cuts in itertools.combinations_with_replacement(range(len(perm) + 1), k - 1):
            bounds = (0, *cuts, len(perm))
            yield [perm[bounds[i] : bounds[i + 1]] for i in range(k)]


def optimum(problem: Problem, w: Weights) -> int:
    n, k = len(problem.visits), len(problem.carers)
    best: int | None = None
    for size in range(n, -1, -1):
        for served in itertools.combinations(range(n), size):
            dropped = set(range(n)) - set(served)
            penalty = sum(
                w.mandatory_drop if problem.visits[v].mandatory else problem.visits[v].drop_penalty
                for v in dropped
            )
            if best is not None and penalty >= best:
                continue
            for split in _splits(served, k):
                total = penalty
                starts: dict[int, int] = {}
                for carer_index, order in enumerate(split):
                    if not order:
                        continue
                    cost = _sequence_cost(problem, carer_index, order, w, starts)
                    if cost is None:
                        break
                    total += cost
                else:
                    total += _idle_cost(problem, split, starts, dropped, w)
                    if best is None or total < best:
                        best = total
    assert best is not None
    return best


def _earliest_starts(problem: Problem, split: list[tuple[int, ...]]) -> dict[int, int] | None:
    """Earliest starts of a split with its links, by repeating passes until nothing moves."""
    visits, index = problem.visits, problem.visit_index
    starts = {v: visits[v].windows[0].start for order in split for v in order}
    for _ in range(10 * len(starts) + 10):
        moved = False
        for carer_index, order in enumerate(split):
            carer = problem.carers[carer_index]
            matrix = problem.matrices[carer.profile]
            clock, place = carer.shift_start, carer.start_location
            for v in order:
                start = max(starts[v], clock + int(matrix[place, visits[v].location]))
                if start > visits[v].windows[0].end:
                    return None
                moved |= start != starts[v]
                starts[v] = start
                clock, place = start + visits[v].duration, visits[v].location
            if order and clock + int(matrix[place, carer.end_location]) > carer.shift_end:
                return None
        for link in problem.links:
            a, b = index[link.first], index[link.second]
            if a not in starts or b not in starts:
                continue
            if isinstance(link, SameStart):
                wanted_a = wanted_b = max(starts[a], starts[b])
            else:
                assert isinstance(link, Precedence)
                wanted_b = max(starts[b], starts[a] + link.min_gap)
                wanted_a = starts[a] if link.max_gap is None else max(starts[a], wanted_b - link.max_gap)
            moved |= (wanted_a, wanted_b) != (starts[a], starts[b])
            starts[a], starts[b] = wanted_a, wanted_b
        if not moved:
            return starts
    return None


def _linked_split_cost(
    problem: Problem, split: list[tuple[int, ...]], w: Weights, dropped: set[int]
) -> int | None:
    for link in problem.links:
        if isinstance(link, SameStart):
            carer_of = {v: k for k, order in enumerate(split) for v in order}
            a, b = problem.visit_index[link.first], problem.visit_index[link.second]
            if (a in carer_of) != (b in carer_of) or (a in carer_of and carer_of[a] == carer_of[b]):
                return None
    for k, order in enumerate(split):
        if any(not problem.may_serve(problem.carers[k], problem.visits[v]) for v in order):
            return None
    starts = _earliest_starts(problem, split)
    if starts is None:
        return None
    travel = 0
    for k, order in enumerate(split):
        carer = problem.carers[k]
        places = [carer.start_location, *(problem.visits[v].location for v in order), carer.end_location]
        if order:
            travel += sum(int(problem.matrices[carer.profile][a, b]) for a, b in itertools.pairwise(places))
    lateness = {
        v: max(0, t - problem.visits[v].soft_end) if problem.visits[v].soft_end is not None else 0
        for v, t in starts.items()
    }
    return (
        travel * w.travel_per_second
        + sum(
            late * w.lateness_per_second * problem.visits[v].lateness_weight for v, late in lateness.items()
        )
        + max(lateness.values(), default=0) * w.max_lateness_per_second
        + _idle_cost(problem, split, starts, dropped, w)
    )


def optimum_with_links(problem: Problem, w: Weights) -> int:
    """The exact optimum of a small problem with links (no breaks, no preferences), by enumeration.

    Every start as early as the route and the links allow is optimal for a fixed split: lateness only
    grows with time and travel is fixed.
    """
    n, k = len(problem.visits), len(problem.carers)
    best: int | None = None
    for size in range(n, -1, -1):
        for served in itertools.combinations(range(n), size):
            penalty = sum(
                w.mandatory_drop if problem.visits[v].mandatory else problem.visits[v].drop_penalty
                for v in set(range(n)) - set(served)
            )
            if best is not None and penalty >= best:
                continue
            dropped = set(range(n)) - set(served)
            for split in _splits(served, k):
                cost = _linked_split_cost(problem, split, w, dropped)
                if cost is not None and (best is None or penalty + cost < best):
                    best = penalty + cost
    assert best is not None
    return best


def _idle_cost(
    problem: Problem, split: list[tuple[int, ...]], starts: dict[int, int], dropped: set[int], w: Weights
) -> int:
    """Carers with nothing to do while an unlinked visit they could start on time alone is late or, if
    mandatory, left out (the balance term), at w.idle_carer each."""
    linked = {problem.visit_index[v] for link in problem.links for v in (link.first, link.second)}
    waiting = [
        v
        for v in range(len(problem.visits))
        if v not in linked
        and (
            (v in dropped and problem.visits[v].mandatory)
            or (
                problem.visits[v].soft_end is not None
                and starts.get(v, 0) > (problem.visits[v].soft_end or 0)
            )
        )
    ]
    idle = 0
    for carer_index, order in enumerate(split):
        if order:
            continue
        carer = problem.carers[carer_index]
        matrix = problem.matrices[carer.profile]
        for v in waiting:
            visit = problem.visits[v]
            start = max(
                carer.shift_start + int(matrix[carer.start_location, visit.location]), visit.windows[0].start
            )
            last = (
                visit.windows[0].end if visit.soft_end is None else min(visit.soft_end, visit.windows[0].end)
            )
            back = int(matrix[visit.location, carer.end_location])
            if (
                problem.may_serve(carer, visit)
                and start <= last
                and start + visit.duration + back <= carer.shift_end
            ):
                idle += 1
                break
    return idle * w.idle_carer
