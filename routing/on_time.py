"""On time first: which starts count as inside the agreed window, and how a route of on-time visits is kept
on time once its real break and travel are laid in.

`routing.solve` first asks PyVRP for routes that start as many visits as possible inside their agreed windows
(routing.pyvrp_engine.on_time_routes), re-times them here with the carer's real break, and then lets OR-Tools
insert every other visit into a problem where the on-time visits may not slip out of their window. The
objective is thus lexicographic: visits in their window first, then visits served, then lateness, then travel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from routing.problem import Carer, Problem, SameStart, TimeWindow, Visit


def on_time_window(visit: Visit) -> tuple[int, int]:
    """Starts that count as on time: from the window's opening to the agreed end (the hard end if none)."""
    first = visit.fixed_start if visit.fixed_start is not None else visit.earliest
    last = visit.latest if visit.soft_end is None else min(visit.soft_end, visit.latest)
    if visit.fixed_start is not None:
        last = min(last, visit.fixed_start)
    return first, last


RESERVE_S = 15 * 60  # the on-time search aims this much before the agreed end...
RESERVE_SHARE = 4  # ...but never more than a quarter of the window
RESERVE_WORTH_S = 1800  # a visit kept clear of its agreed end by the reserve is worth this much travel
# what the product pays per second a held visit starts inside its reserve (SolveParams.reserve_per_second):
# the same worth, per second of the reserve
RESERVE_PER_S = RESERVE_WORTH_S // RESERVE_S


def with_reserve(window: tuple[int, int]) -> tuple[int, int]:
    """The on-time window the search aims for: a reserve before the agreed end, so that a visit or a drive
    that runs long does not push the next visit out of its window on the day (the simulator's visits vary
    by 30 %, drives by 20 %). Visits that only fit without the reserve are still added on time later."""
    first, last = window
    return first, last - min(RESERVE_S, max(0, last - first) // RESERVE_SHARE)


def linked_ids(problem: Problem) -> set[str]:
    return {vid for link in problem.links for vid in (link.first, link.second)}


def linked_part(problem: Problem) -> Problem:
    """Only the linked visits (double staffing, gaps) with every carer: planned first, as a frame."""
    ids = linked_ids(problem)
    return replace(problem, visits=tuple(v for v in problem.visits if v.id in ids))


def with_placed(problem: Problem, placed: Mapping[str, tuple[str, int]]) -> Problem:
    """The problem with some visits pinned to a carer at a fixed start (the linked visits' frame)."""
    visits = tuple(
        replace(v, pinned_carer=placed[v.id][0], fixed_start=placed[v.id][1]) if v.id in placed else v
        for v in problem.visits
    )
    return replace(problem, visits=visits)


def search_windows(problem: Problem) -> tuple[list[int], dict[int, tuple[int, int]], set[int]]:
    """What the on-time search places: (visits, their windows, those it must place). A visit at a fixed
    start (a placed linked visit) must be served at that start, on time or not; any other unlinked visit
    may be placed inside its on-time window less the reserve; linked visits without a place are left to
    the later search."""
    linked = linked_ids(problem)
    chosen: list[int] = []
    windows: dict[int, tuple[int, int]] = {}
    required: set[int] = set()
    for i, visit in enumerate(problem.visits):
        if visit.fixed_start is not None and visit.pinned_carer is not None:
            chosen.append(i)
            windows[i] = (visit.fixed_start, visit.fixed_start)
            required.add(i)
        elif visit.id not in linked and on_time_window(visit)[0] <= on_time_window(visit)[1]:
            chosen.append(i)
            windows[i] = with_reserve(on_time_window(visit))
    return chosen, windows, required


def wide_windows(
    problem: Problem, windows: Mapping[int, tuple[int, int]], required: set[int]
) -> dict[int, tuple[int, int]]:
    """The whole on-time window of each searched visit whose search window keeps a reserve: the search may
    still place it there, for less (routing.pyvrp_engine.on_time_routes), rather than leave it late."""
    wide: dict[int, tuple[int, int]] = {}
    for i, window in windows.items():
        whole = on_time_window(problem.visits[i])
        if i not in required and whole != window:
            wide[i] = whole
    return wide


def anchor_bands(
    problem: Problem, windows: Mapping[int, tuple[int, int]], required: set[int], tolerance: int
) -> dict[int, tuple[int, int]]:
    """Predictable times: for each visit the on-time search may place and that has a usual start (an
    anchor), the part of its search window within the tolerance around that start, where it is worth a
    little more (routing.pyvrp_engine.on_time_routes); visits whose window misses the band get none. (A usual
    time in the reserve before the agreed end is not moved to the search window's end: tried, it planned
    identical days 15 minutes apart.)"""
    bands: dict[int, tuple[int, int]] = {}
    for i, (first, last) in windows.items():
        anchor = problem.visits[i].anchor_start
        if anchor is None or i in required:
            continue
        low, high = max(first, anchor - tolerance), min(last, anchor + tolerance)
        if low <= high:
            bands[i] = (low, high)
    return bands


def _kept_with_break_at(
    problem: Problem,
    carer: Carer,
    sequence: list[Visit],
    at: int,
    latest: Mapping[str, int],
    not_before: Mapping[str, int],
) -> list[tuple[str, int]] | None:
    """The visits that stay on time when the break is taken before travelling to sequence[at] (at the end
    when at == len); a visit that would start late is left out, which only makes later ones earlier. None
    when the break cannot be taken there or the carer is not back by the shift's end. The drive does not
    overlap the break here, though routing.check would allow it: OR-Tools, which starts from these routes,
    takes breaks in the waiting time only."""
    clock, place, kept = carer.shift_start, carer.start_location, []
    brk = carer.breaks[0] if carer.breaks else None
    for index in range(len(sequence) + 1):
        if brk is not None and index == at:
            begin = max(clock, brk.earliest_start)
            if begin > brk.latest_start:
                return None
            clock = begin + brk.duration
        if index == len(sequence):
            break
        visit = sequence[index]
        arrival = clock + problem.travel(carer.profile, place, visit.location)
        start = visit.start_from(max(arrival, not_before.get(visit.id, arrival)))
        if start is None or start > latest[visit.id]:
            continue
        kept.append((visit.id, start))
        clock, place = start + visit.duration, visit.location
    if clock + problem.travel(carer.profile, place, carer.end_location) > carer.shift_end:
        return None
    return kept


def _most_kept(
    problem: Problem,
    carer: Carer,
    sequence: list[Visit],
    latest: Mapping[str, int],
    not_before: Mapping[str, int],
    must: frozenset[str],
) -> list[tuple[str, int]]:
    """The break position that keeps most of `must`, then most visits; the sequence cut from its end
    while the break fits nowhere or the carer is not back in time."""
    while True:
        positions = range(len(sequence) + 1) if carer.breaks else [len(sequence)]
        options = [
            k
            for at in positions
            if (k := _kept_with_break_at(problem, carer, sequence, at, latest, not_before)) is not None
        ]
        if options:
            return max(options, key=lambda k: (sum(v in must for v, _ in k), len(k)))
        if not sequence:
            return []
        sequence = sequence[:-1]


def kept_in_order(
    problem: Problem,
    carer: Carer,
    sequence: list[Visit],
    latest: Mapping[str, int],
    not_before: Mapping[str, int],
    must: frozenset[str] = frozenset(),
) -> list[tuple[str, int]]:
    """The most visits of the sequence that stay on time (start by `latest`, not before `not_before`) with the
    break where it keeps most of them, each with its start. A visit in `must` (a double-staffed half pinned
    with its partner) outranks the others: the visits kept before it are given up, nearest first, until
    it starts on time, since losing it costs its partner too."""
    while True:
        timed = _most_kept(problem, carer, sequence, latest, not_before, must)
        kept = {visit_id for visit_id, _ in timed}
        missing = next((i for i, v in enumerate(sequence) if v.id in must and v.id not in kept), None)
        if missing is None:
            return timed
        before = [i for i in range(missing) if sequence[i].id in kept and sequence[i].id not in must]
        if not before:
            return timed
        sequence = sequence[: before[-1]] + sequence[before[-1] + 1 :]


def keep_on_time(
    problem: Problem,
    routes: Mapping[str, tuple[str, ...]],
    windows: Mapping[int, tuple[int, int]],
    not_before: Mapping[str, int] | None = None,
) -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """Each route re-timed with its real break and travel, keeping only the visits that still start by the
    end of their search window (`search_windows`) and waiting where `not_before` (a visit placed in its
    anchor band) says; the routes and each kept visit's start. Pinned double-staffed halves are kept
    first, and a half whose partner is lost anyway is given up too, so the routes stay a plan OR-Tools
    can start from (its links serve both halves or neither)."""
    latest = {problem.visits[i].id: last for i, (_, last) in windows.items()}
    must = frozenset(v.id for v in problem.visits if v.fixed_start is not None and v.pinned_carer is not None)
    partner = {
        a: b
        for link in problem.links
        if isinstance(link, SameStart)
        for a, b in ((link.first, link.second), (link.second, link.first))
    }
    sequences = {
        carer.id: [problem.visits[problem.visit_index[v]] for v in routes.get(carer.id, ())]
        for carer in problem.carers
    }
    while True:
        timed = {
            carer.id: kept_in_order(problem, carer, sequences[carer.id], latest, not_before or {}, must)
            for carer in problem.carers
        }
        kept_ids = {visit_id for route in timed.values() for visit_id, _ in route}
        widowed = {v for v in kept_ids if v in partner and partner[v] not in kept_ids}
        if not widowed:
            break
        sequences = {c: [v for v in seq if v.id not in widowed] for c, seq in sequences.items()}
    kept = {carer_id: tuple(visit_id for visit_id, _ in route) for carer_id, route in timed.items()}
    starts = {visit_id: start for route in timed.values() for visit_id, start in route}
    return kept, starts


def bands_kept(
    problem: Problem, bands: Mapping[int, tuple[int, int]], starts: Mapping[str, int]
) -> dict[str, tuple[int, int]]:
    """The anchor bands (`anchor_bands`) that the re-timed routes start their visits in, by visit id: those
    visits are held there, so adding the rest cannot move them off their usual time."""
    held: dict[str, tuple[int, int]] = {}
    for i, (low, high) in bands.items():
        start = starts.get(problem.visits[i].id)
        if start is not None and low <= start <= high:
            held[problem.visits[i].id] = (low, high)
    return held


def held_on_time(
    problem: Problem, on_time: set[str], bands: Mapping[str, tuple[int, int]] | None = None
) -> Problem:
    """The problem with the given visits' hard windows cut to their on-time starts (to their anchor band
    where given), so a later search may add visits around them but never push them out of their agreed
    window, nor off their usual time."""
    visits = []
    for visit in problem.visits:
        if visit.id in on_time and visit.fixed_start is None:
            first, last = (bands or {}).get(visit.id) or on_time_window(visit)
            windows = tuple(
                TimeWindow(max(w.start, first), min(w.end, last))
                for w in visit.windows
                if w.start <= last and w.end >= first
            )
            visit = replace(visit, windows=windows)
        visits.append(visit)
    return replace(problem, visits=tuple(visits))
