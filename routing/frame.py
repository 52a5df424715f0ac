"""Where double-staffed visits go before the on-time search: into a pilot plan, where they cost least.

The on-time search (PyVRP) cannot keep two carers' starts together, so `routing.solve` fixes each
double-staffed pair (two carers, one start) first and lets the search plan every other visit around them. A
pair placed without regard to the rest lands at the morning peak or on the one nurse of the shift, and costs
on-time visits there (measured on Lier: about ten a day). Here the other visits are planned first, quickly;
then each pair goes to the two carers and the start that push the fewest of those visits out of their window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from routing import on_time, pyvrp_engine
from routing.problem import Precedence, Problem, SameStart, Visit

STEP_S = 5 * 60  # candidate starts for a pair, this far apart inside its on-time window
MAX_DISPLACED = 2  # visits just before a pair half that the pilot may give up to make room for it
MIN_PLACING_S = 0.5  # placing the pairs may take as long as the pilot, at least this (~0.05 s a pair on Lier)

Timed = list[tuple[str, int]]  # a pilot route: visit ids with their starts


@dataclass
class _Pilot:
    """The pilot plan as it grows: each carer's on-time visits in order with their starts, and the latest
    and earliest start each may take (a placed pair half: exactly its start)."""

    sequences: dict[str, list[Visit]]
    starts: dict[str, int]
    latest: dict[str, int]
    not_before: dict[str, int]
    scarcity: dict[str, float]  # carers on shift / carers who may serve the visit: a nurse task weighs more


def pair_frame(
    problem: Problem, seconds: float, seed: int, continuity_miss: int
) -> dict[str, tuple[str, int]] | None:
    """Each double-staffed half's carer and start (visit id → (carer id, start)), chosen against a pilot
    plan of the other visits (a pair no two carers can take on time is left out, and so are those left when
    placing has taken as long as the pilot); None when the links are not all double staffing or the pilot
    finds nothing, so the caller frames them the old way."""
    if not problem.links or not all(isinstance(link, SameStart) for link in problem.links):
        return None
    pilot = _pilot(problem, seconds, seed, continuity_miss)
    if pilot is None:
        return None
    placed: dict[str, tuple[str, int]] = {}
    deadline = time.monotonic() + max(seconds, MIN_PLACING_S)
    for link in sorted(problem.links, key=lambda link: _width(problem, link)):
        if time.monotonic() > deadline:
            break  # a day with very many pairs: the rest are placed by the later search
        pair = [problem.visits[problem.visit_index[v]] for v in (link.first, link.second)]
        choice = _best_place(problem, pilot, pair[0], pair[1])
        if choice is None:
            continue  # no two carers can take it on time: the later search places it late or explains it
        start, halves = choice
        for visit, (carer_id, timed) in zip(pair, halves, strict=True):
            _commit(pilot, visit, carer_id, start, timed)
            placed[visit.id] = (carer_id, start)
    return placed


def _width(problem: Problem, link: SameStart | Precedence) -> int:
    first, last = on_time.on_time_window(problem.visits[problem.visit_index[link.first]])
    return last - first


def _pilot(problem: Problem, seconds: float, seed: int, continuity_miss: int) -> _Pilot | None:
    """The other visits planned on time alone (PyVRP), re-timed with the real breaks."""
    linked = on_time.linked_ids(problem)
    rest = replace(problem, visits=tuple(v for v in problem.visits if v.id not in linked), links=())
    chosen, windows, required = on_time.search_windows(rest)
    found = pyvrp_engine.on_time_routes(
        rest, chosen, windows, required, seconds=seconds, seed=seed, continuity_miss=continuity_miss
    )
    if found is None:
        return None
    kept, starts = on_time.keep_on_time(rest, found[0], windows)
    sequences = {c: [problem.visits[problem.visit_index[v]] for v in route] for c, route in kept.items()}
    latest = {rest.visits[i].id: last for i, (_, last) in windows.items()}
    scarcity = {
        v.id: len(problem.carers) / max(1, sum(problem.may_serve(c, v) for c in problem.carers))
        for v in rest.visits
    }
    return _Pilot(sequences, starts, latest, {}, scarcity)


def _candidate_starts(first: Visit, second: Visit) -> list[int]:
    """Starts on time for both halves (inside the reserve where there is room), STEP_S apart; a half
    already fixed (a re-plan keeps it) has only its own."""
    fixed = {v.fixed_start for v in (first, second) if v.fixed_start is not None}
    if fixed:
        return sorted(fixed) if len(fixed) == 1 else []
    a, b = (
        on_time.with_reserve(on_time.on_time_window(first)),
        on_time.with_reserve(on_time.on_time_window(second)),
    )
    low, high = max(a[0], b[0]), min(a[1], b[1])
    return [*range(low, high, STEP_S), high] if low <= high else []


def _placed_in(
    problem: Problem, pilot: _Pilot, carer_id: str, visit: Visit, start: int
) -> tuple[float, Timed] | None:
    """The carer's pilot route with `visit` fixed at `start` (in start order, up to MAX_DISPLACED visits
    just before it given up to make room), and its cost: the on-time visits that fall out, each weighed by
    how few carers could take it instead. None when it cannot be, or a pair half placed before would move."""
    carer = problem.carers[problem.carer_index[carer_id]]
    if not problem.may_serve(carer, visit) or visit.start_from(start) != start:
        return None
    sequence = pilot.sequences[carer_id]
    at = sum(1 for v in sequence if pilot.starts[v.id] < start)
    held = {v.id for v in sequence if v.id in pilot.not_before} | {visit.id}
    best: tuple[float, Timed] | None = None
    for given_up in range(min(MAX_DISPLACED, at) + 1):
        if any(v.id in held or v.fixed_start is not None for v in sequence[at - given_up : at]):
            break
        timed = on_time.kept_in_order(
            problem,
            carer,
            [*sequence[: at - given_up], visit, *sequence[at:]],
            {**pilot.latest, visit.id: start},
            {**pilot.not_before, visit.id: start},
        )
        kept = {v for v, _ in timed}
        if held <= kept:
            cost = sum(pilot.scarcity[v.id] for v in sequence if v.id not in kept)
            if best is None or cost < best[0]:
                best = (cost, timed)
    return best


def _best_place(
    problem: Problem, pilot: _Pilot, first: Visit, second: Visit
) -> tuple[int, tuple[tuple[str, Timed], tuple[str, Timed]]] | None:
    """The start and, for each half, its carer and that carer's pilot route with it, costing the pilot
    least (`_placed_in`); among those, the carers with the fewest competences the halves do not need, then
    the recipient's own carers, then the start nearest the usual one (anchor_start), then the earliest."""
    best: tuple[tuple[float, int, int, int, int], int, tuple[str, Timed], tuple[str, Timed]] | None = None
    usual = first.anchor_start
    for start in _candidate_starts(first, second):
        options = [
            {
                c.id: placed
                for c in problem.carers
                if (placed := _placed_in(problem, pilot, c.id, visit, start)) is not None
            }
            for visit in (first, second)
        ]
        drift = abs(start - usual) if usual is not None else 0
        for a, (lost_a, timed_a) in options[0].items():
            for b, (lost_b, timed_b) in options[1].items():
                key = (
                    lost_a + lost_b,
                    _spare(problem, a, first) + _spare(problem, b, second),
                    _new_face(a, first) + _new_face(b, second),
                    drift,
                    start,
                )
                if a != b and (best is None or key < best[0]):
                    best = (key, start, (a, timed_a), (b, timed_b))
    return None if best is None else (best[1], (best[2], best[3]))


def _new_face(carer_id: str, visit: Visit) -> int:
    return int(bool(visit.preferred_carers) and carer_id not in visit.preferred_carers)


def _spare(problem: Problem, carer_id: str, visit: Visit) -> int:
    """Competences the carer would bring to the visit without need: a nurse kept free for nurse tasks."""
    return len(problem.carers[problem.carer_index[carer_id]].competences - visit.competences)


def _commit(pilot: _Pilot, visit: Visit, carer_id: str, start: int, timed: Timed) -> None:
    """The half goes into the carer's pilot route (`timed`, as `_placed_in` made it) at its start; what fell
    out is left to the real search."""
    every = {v.id: v for v in [*pilot.sequences[carer_id], visit]}
    pilot.sequences[carer_id] = [every[v] for v, _ in timed]
    pilot.starts.update(timed)
    pilot.latest[visit.id] = pilot.not_before[visit.id] = start
