"""The exact optimum of a small problem without links or breaks, by enumeration (a test oracle).

For a fixed sequence, starting every visit as early as possible minimises lateness (cost grows with the
start time) and the travel is fixed, so enumerating assignments and orders with earliest starts is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from routing import Problem, Weights


def _sequence_cost(problem: Problem, carer_index: int, order: tuple[int, ...], w: Weights) -> int | None:
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
                for carer_index, order in enumerate(split):
                    if not order:
                        continue
                    cost = _sequence_cost(problem, carer_index, order, w)
                    if cost is None:
                        break
                    total += cost
                else:
                    if best is None or total < best:
                        best = total
    assert best is not None
    return best
