"""Pair-aware large neighbourhood search for problems with linked visits.

OR-Tools' local search moves one visit at a time; a visit tied to another carer's visit by an exact
start (double staffing) or a gap (sequential services) can rarely move alone, so it stalls in a late
plan. This search removes strings of neighbouring stops together with their linked partners and inserts
them again one visit (or one linked pair) at a time at the cheapest position, the pair's second visit
placed with its partner already in (slack induction by string removals with simulated annealing,
Christiaens & Vanden Berghe 2020, extended to synchronised visits).

The schedule is the earliest one: each start is the latest of the arrival, the window's opening and
what the links demand of it, found by propagating increases along routes and across links until
nothing changes. An insertion only delays, so its effect is propagated from the current starts and
usually stops a few stops later. The objective is the one `routing.check` recomputes, including the
worst lateness term that OR-Tools cannot model.

It does not handle breaks or loads (`qualifies`); routing.solve uses it after OR-Tools where it applies.
"""

from __future__ import annotations

import bisect
import math
import random
import time
from dataclasses import dataclass

from routing.params import Weights
from routing.plan import Route, Stop
from routing.problem import Precedence, Problem, SameStart

UNSET = -(1 << 62)
TOP_FIRST_POSITIONS = 4
MAX_STRING = 10
MEAN_REMOVED = 10
BLINK = 0.01
HOT, COLD = 0.005, 0.00005  # annealing temperatures as shares of the starting cost


def qualifies(problem: Problem, weights: Weights) -> bool:
    """Where OR-Tools falls short (linked visits, a weight on the worst lateness) and nothing the search
    does not model (breaks, loads)."""
    return (
        (bool(problem.links) or weights.max_lateness_per_second > 0)
        and bool(problem.visits)
        and bool(problem.carers)
        and not any(c.breaks or c.capacity is not None for c in problem.carers)
    )


@dataclass
class _Solution:
    routes: list[list[int]]
    unrouted: set[int]
    cost: int


class _Search:
    """Flat lists of the problem's data, the current solution and its schedule."""

    def __init__(self, problem: Problem, weights: Weights, seed: int) -> None:
        self.rng = random.Random(seed)
        visits, carers = problem.visits, problem.carers
        n = len(visits)
        self.n = n
        self.loc = [v.location for v in visits]
        self.dur = [v.duration for v in visits]
        self.windows = [[(w.start, w.end) for w in v.windows] for v in visits]
        self.lb0 = [v.fixed_start if v.fixed_start is not None else v.earliest for v in visits]
        self.fixed = [v.fixed_start for v in visits]
        self.soft_end = [v.soft_end if v.soft_end is not None else 1 << 62 for v in visits]
        self.late_weight = [weights.lateness_per_second * v.lateness_weight for v in visits]
        self.max_weight = weights.max_lateness_per_second
        self.travel_weight = weights.travel_per_second
        self.penalty = [weights.mandatory_drop if v.mandatory else v.drop_penalty for v in visits]
        matrices = {p: m.tolist() for p, m in problem.matrices.items()}
        self.mat = [matrices[c.profile] for c in carers]
        self.start_loc = [c.start_location for c in carers]
        self.end_loc = [c.end_location for c in carers]
        self.shift_start = [c.shift_start for c in carers]
        self.shift_end = [c.shift_end for c in carers]
        self.max_work = [c.max_working_time for c in carers]
        self.allowed = [[k for k, c in enumerate(carers) if problem.may_serve(c, v)] for v in visits]
        self.miss = [
            [
                weights.continuity_miss if v.preferred_carers and c.id not in v.preferred_carers else 0
                for c in carers
            ]
            for v in visits
        ]
        # out[i]: (j, gap) means start[j] ≥ start[i] + gap; into[j] the same seen from j.
        self.out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        self.into: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        self.partners: list[list[int]] = [[] for _ in range(n)]
        self.same_start = [-1] * n
        index = problem.visit_index
        for link in problem.links:
            a, b = index[link.first], index[link.second]
            self.partners[a].append(b)
            self.partners[b].append(a)
            if isinstance(link, SameStart):
                self.same_start[a], self.same_start[b] = b, a
                self._bound(a, b, 0)
                self._bound(b, a, 0)
            else:
                assert isinstance(link, Precedence)
                self._bound(a, b, link.min_gap)
                if link.max_gap is not None:
                    self._bound(b, a, -link.max_gap)
        first_matrix = next(iter(matrices.values()))
        self.near = [self._nearest(first_matrix[self.loc[i]], 40) for i in range(n)]
        self.propagation_limit = 50 * n + 100
        # The current solution's schedule.
        self.routes: list[list[int]] = [[] for _ in carers]
        self.route_of = [-1] * n
        self.index_of = [-1] * n
        self.start = [UNSET] * n
        self.unrouted: set[int] = set(range(n))
        self.lateness_max = 0

    def _nearest(self, row: list[int], count: int) -> list[int]:
        """The `count` visits closest to the place whose travel times `row` holds (itself first)."""
        return sorted(range(self.n), key=lambda j: row[self.loc[j]])[:count]

    def _bound(self, a: int, b: int, gap: int) -> None:
        self.out[a].append((b, gap))
        self.into[b].append((a, gap))

    # ---- schedule ------------------------------------------------------------------------------

    def _propagate(
        self, seeds: list[tuple[int, int]], changed: dict[int, int], limit: int | None = None
    ) -> bool:
        """Push starts later from the seeded (route, position)s until every constraint holds; the new
        starts go to `changed`. False if a window, fixed start, shift end or working time breaks, or
        (with a limit) once the added weighted lateness reaches `limit`: the caller has a cheaper option."""
        start, routes, route_of, index_of = self.start, self.routes, self.route_of, self.index_of
        loc, dur, lb0, into, out = self.loc, self.dur, self.lb0, self.into, self.out
        soft_end, late_weight = self.soft_end, self.late_weight
        added = 0
        work = list(seeds)
        budget = self.propagation_limit
        while work:
            budget -= 1
            if budget < 0:
                return False
            r, k = work.pop()
            route = routes[r]
            matrix = self.mat[r]
            if k == 0:
                prev_end, prev_loc = self.shift_start[r], self.start_loc[r]
            else:
                p = route[k - 1]
                prev_end, prev_loc = changed.get(p, start[p]) + dur[p], loc[p]
            finished = True
            for idx in range(k, len(route)):
                i = route[idx]
                st = prev_end + matrix[prev_loc][loc[i]]
                if lb0[i] > st:
                    st = lb0[i]
                for j, gap in into[i]:
                    sj = changed.get(j, start[j])
                    if sj != UNSET and sj + gap > st:
                        st = sj + gap
                windows = self.windows[i]
                if st > windows[0][1]:
                    for w_start, w_end in windows[1:]:
                        if st <= w_end:
                            st = max(st, w_start)
                            break
                    else:
                        return False
                if self.fixed[i] is not None and st != self.fixed[i]:
                    return False
                old = changed.get(i, start[i])
                if st == old and idx > k:
                    finished = False
                    break
                if st != old:
                    changed[i] = st
                    if limit is not None and st > soft_end[i]:
                        before = old - soft_end[i] if old > soft_end[i] else 0
                        added += (st - soft_end[i] - before) * late_weight[i]
                        if added >= limit:
                            return False
                    for j, gap in out[i]:
                        sj = changed.get(j, start[j])
                        if sj != UNSET and sj < st + gap:
                            work.append((route_of[j], index_of[j]))
                prev_end, prev_loc = st + dur[i], loc[i]
            if finished and route:
                end = prev_end + matrix[prev_loc][self.end_loc[r]]
                if end > self.shift_end[r]:
                    return False
                if self.max_work[r] is not None:
                    first = route[0]
                    departure = max(
                        self.shift_start[r],
                        changed.get(first, start[first]) - matrix[self.start_loc[r]][loc[first]],
                    )
                    if end - departure > self.max_work[r]:
                        return False
        return True

    def _late(self, i: int, st: int) -> int:
        return st - self.soft_end[i] if st > self.soft_end[i] else 0

    def load(self, routes: list[list[int]]) -> int | None:
        """Make `routes` the current solution; its cost, or None if no schedule fits them."""
        self.routes = [list(r) for r in routes]
        self.route_of = [-1] * self.n
        self.index_of = [-1] * self.n
        self.start = [UNSET] * self.n
        for r, route in enumerate(self.routes):
            for idx, i in enumerate(route):
                self.route_of[i], self.index_of[i] = r, idx
        self.unrouted = {i for i in range(self.n) if self.route_of[i] < 0}
        changed: dict[int, int] = {}
        if not self._propagate([(r, 0) for r in range(len(self.routes))], changed):
            return None
        for i, st in changed.items():
            self.start[i] = st
        if any(self.start[i] == UNSET for route in self.routes for i in route):
            return None
        return self.cost()

    def cost(self) -> int:
        """The objective routing.check computes, from the current schedule."""
        travel = misses = late_sum = 0
        worst = 0
        for r, route in enumerate(self.routes):
            matrix, place = self.mat[r], self.start_loc[r]
            for i in route:
                travel += matrix[place][self.loc[i]]
                place = self.loc[i]
                late = self._late(i, self.start[i])
                late_sum += late * self.late_weight[i]
                worst = max(worst, late)
                misses += self.miss[i][r]
            if route:
                travel += matrix[place][self.end_loc[r]]
        self.lateness_max = worst
        return (
            travel * self.travel_weight
            + late_sum
            + worst * self.max_weight
            + misses
            + sum(self.penalty[i] for i in self.unrouted)
        )

    # ---- insertion -----------------------------------------------------------------------------

    def _insertion_delta(
        self, v: int, r: int, p: int, limit: int | None = None
    ) -> tuple[int, dict[int, int]] | None:
        """Cost change of serving v in route r at position p, and the starts that change; None if it does
        not fit or (with a limit) its added weighted lateness reaches `limit`."""
        route = self.routes[r]
        route.insert(p, v)
        self.route_of[v] = r
        for idx in range(p, len(route)):
            self.index_of[route[idx]] = idx
        changed: dict[int, int] = {}
        feasible = self._propagate([(r, p)], changed, limit)
        route.pop(p)
        for idx in range(p, len(route)):
            self.index_of[route[idx]] = idx
        self.route_of[v], self.index_of[v] = -1, -1
        if not feasible:
            return None
        matrix = self.mat[r]
        before = self.loc[route[p - 1]] if p > 0 else self.start_loc[r]
        after = self.loc[route[p]] if p < len(route) else self.end_loc[r]
        here = self.loc[v]
        detour = matrix[before][here] + matrix[here][after]
        if route:
            detour -= matrix[before][after]
        delta = detour * self.travel_weight + self.miss[v][r] - self.penalty[v]
        worst = self.lateness_max
        for i, st in changed.items():
            late = self._late(i, st)
            old = self.start[i]
            delta += (late - (self._late(i, old) if old != UNSET else 0)) * self.late_weight[i]
            if late > worst:
                worst = late
        delta += (worst - self.lateness_max) * self.max_weight
        return delta, changed

    def _best_positions(self, v: int, exclude_route: int, keep: int) -> list[tuple[int, int, int]]:
        """The `keep` cheapest (delta, route, position) for v, with blinks (positions skipped at random).

        An insertion only delays visits, so its detour (with the continuity miss and the saved drop
        penalty) bounds its cost change from below: positions are tried in order of that bound and the
        scan stops once the bound cannot beat the `keep`-th best found. Most of the plan is never
        propagated, which is what makes the search fast on hundreds of visits."""
        loc, start, dur = self.loc, self.start, self.dur
        here, last_end = loc[v], self.windows[v][-1][1]
        travel_weight, base_penalty = self.travel_weight, self.penalty[v]
        bounds: list[tuple[int, int, int]] = []
        for r in self.allowed[v]:
            if r == exclude_route:
                continue
            route, matrix = self.routes[r], self.mat[r]
            base = self.miss[v][r] - base_penalty
            before, free_at = self.start_loc[r], self.shift_start[r]
            for p in range(len(route) + 1):
                after = loc[route[p]] if p < len(route) else self.end_loc[r]
                arrival = free_at + matrix[before][here]
                if arrival <= last_end:  # else no window is left when it gets there
                    detour = matrix[before][here] + matrix[here][after]
                    if route:
                        detour -= matrix[before][after]
                    bounds.append((detour * travel_weight + base, r, p))
                if p < len(route):
                    i = route[p]
                    before, free_at = loc[i], start[i] + dur[i]
        bounds.sort()
        found: list[tuple[int, int, int]] = []
        rng = self.rng
        for bound, r, p in bounds:
            if len(found) >= keep and bound >= found[keep - 1][0]:
                break
            if rng.random() < BLINK:
                continue
            limit = found[keep - 1][0] - bound if len(found) >= keep else None
            result = self._insertion_delta(v, r, p, limit)
            if result is not None:
                bisect.insort(found, (result[0], r, p))
        return found[:keep]

    def _commit(self, v: int, r: int, p: int) -> dict[int, int]:
        """Serve v in route r at p; returns the previous starts of every visit it moved (for undo)."""
        result = self._insertion_delta(v, r, p)
        assert result is not None
        route = self.routes[r]
        route.insert(p, v)
        self.route_of[v] = r
        for idx in range(p, len(route)):
            self.index_of[route[idx]] = idx
        self.unrouted.discard(v)
        previous = {i: self.start[i] for i in result[1]}
        for i, st in result[1].items():
            self.start[i] = st
            self.lateness_max = max(self.lateness_max, self._late(i, st))
        return previous

    def _undo(self, v: int, previous: dict[int, int], lateness_max: int) -> None:
        r, p = self.route_of[v], self.index_of[v]
        route = self.routes[r]
        route.pop(p)
        for idx in range(p, len(route)):
            self.index_of[route[idx]] = idx
        self.route_of[v], self.index_of[v] = -1, -1
        self.unrouted.add(v)
        for i, st in previous.items():
            self.start[i] = st
        self.lateness_max = lateness_max

    def insert(self, v: int) -> None:
        """Serve v (and its unserved linked partner) where it costs least, or leave it out.

        Double-staffed halves go in together or not at all; a visit whose sequential partner fits
        nowhere may still be served alone (the gap binds only visits that are both served)."""
        partner = next((j for j in self.partners[v] if j in self.unrouted), -1)
        options = self._best_positions(v, -1, TOP_FIRST_POSITIONS if partner >= 0 else 1)
        alone = options[0] if options and (partner < 0 or self.same_start[v] != partner) else None
        choice: tuple[int, int, int, int, int] | None = None
        for delta, r, p in options if partner >= 0 else []:
            worst = self.lateness_max
            previous = self._commit(v, r, p)
            exclude = r if self.same_start[v] == partner else -1
            second = self._best_positions(partner, exclude, 1)
            self._undo(v, previous, worst)
            if second and (choice is None or delta + second[0][0] < choice[0]):
                choice = (delta + second[0][0], r, p, second[0][1], second[0][2])
        if alone is not None and (choice is None or alone[0] <= choice[0]):
            if alone[0] < 0:
                self._commit(v, alone[1], alone[2])
            return
        if choice is None or choice[0] >= 0:
            return
        worst = self.lateness_max
        previous = self._commit(v, choice[1], choice[2])
        if self._insertion_delta(partner, choice[3], choice[4]) is not None:
            self._commit(partner, choice[3], choice[4])
        else:  # never leave half a pair
            self._undo(v, previous, worst)

    # ---- removal -------------------------------------------------------------------------------

    def _with_partners(self, chosen: set[int]) -> set[int]:
        return chosen | {j for i in chosen for j in self.partners[i]}

    def remove_strings(self) -> set[int]:
        """Strings of consecutive stops from routes near a random served visit."""
        served = [i for i in range(self.n) if self.route_of[i] >= 0]
        if not served:
            return set()
        seed = self.rng.choice(served)
        mean_length = max(1.0, sum(len(r) for r in self.routes) / max(1, sum(1 for r in self.routes if r)))
        longest = min(MAX_STRING, mean_length)
        strings = self.rng.randint(1, max(1, int(4 * MEAN_REMOVED / (1 + longest) - 1)))
        removed: set[int] = set()
        touched: set[int] = set()
        for i in self.near[seed]:
            r = self.route_of[i]
            if r < 0 or r in touched:
                continue
            touched.add(r)
            route = self.routes[r]
            length = self.rng.randint(1, max(1, min(len(route), int(longest))))
            at = self.index_of[i]
            first = self.rng.randint(max(0, at - length + 1), min(at, len(route) - length))
            removed.update(route[first : first + length])
            if len(touched) >= strings:
                break
        return self._with_partners(removed)

    def remove_late(self) -> set[int]:
        """The latest visits and a few random ones: lateness is what the links make hard to repair."""
        served = [i for i in range(self.n) if self.route_of[i] >= 0]
        late = sorted(served, key=lambda i: -self._late(i, self.start[i]))
        count = self.rng.randint(2, max(2, min(len(served), MEAN_REMOVED)))
        chosen = {i for i in late[: count // 2] if self._late(i, self.start[i]) > 0}
        chosen.update(self.rng.sample(served, min(len(served), count - len(chosen))))
        return self._with_partners(chosen)

    def destroy(self, removed: set[int]) -> None:
        routes = [[i for i in route if i not in removed] for route in self.routes]
        cost = self.load(routes)
        assert cost is not None, "removing visits can only make a schedule easier"

    def repair(self) -> None:
        order = list(self.unrouted)
        rule = self.rng.random()
        if rule < 0.4:
            self.rng.shuffle(order)
        elif rule < 0.7:
            order.sort(key=lambda i: self.lb0[i])
        elif rule < 0.85:
            order.sort(key=lambda i: -len(self.partners[i]))
        else:
            order.sort(key=lambda i: -self.dur[i])
        for v in order:
            if v in self.unrouted:
                self.insert(v)


def improve(
    problem: Problem,
    routes: dict[str, tuple[str, ...]],
    weights: Weights,
    *,
    seed: int,
    time_limit_s: float,
    max_iterations: int | None = None,
) -> dict[str, tuple[str, ...]] | None:
    """Better routes (by the checked objective) than `routes`, or None if `routes` cannot be scheduled."""
    began = time.monotonic()
    search = _Search(problem, weights, seed)
    ids = [v.id for v in problem.visits]
    initial = [
        [problem.visit_index[vid] for vid in routes.get(c.id, ()) if vid in problem.visit_index]
        for c in problem.carers
    ]
    cost = search.load(initial)
    if cost is None:
        return None
    if search.unrouted:
        search.repair()
        cost = search.load(search.routes)
        assert cost is not None
    given = _Solution([list(r) for r in search.routes], set(search.unrouted), cost)
    current = best = min(given, _built_from_scratch(search), key=lambda solution: solution.cost)
    scale = max(current.cost - sum(search.penalty[i] for i in current.unrouted), 1)  # no drop penalties
    hot, cold = HOT * scale, COLD * scale
    iteration = 0
    while True:
        elapsed = time.monotonic() - began
        if elapsed >= time_limit_s or (max_iterations is not None and iteration >= max_iterations):
            break
        progress = elapsed / time_limit_s
        if max_iterations is not None:
            progress = max(progress, iteration / max_iterations)
        temperature = hot * (cold / hot) ** progress
        iteration += 1
        search.load(current.routes)
        removed = search.remove_strings() if search.rng.random() < 0.75 else search.remove_late()
        search.destroy(removed)
        search.repair()
        cost = search.load(search.routes)
        if cost is None:
            continue
        accept = cost < current.cost or search.rng.random() < math.exp(
            -(cost - current.cost) / max(temperature, 1e-9)
        )
        if accept:
            current = _Solution([list(r) for r in search.routes], set(search.unrouted), cost)
            if cost < best.cost:
                best = current
    return {problem.carers[k].id: tuple(ids[i] for i in route) for k, route in enumerate(best.routes)}


def _built_from_scratch(search: _Search) -> _Solution:
    """A plan built by inserting every visit into empty routes: on large problems the starting plan
    can be far worse than this (Mankowska, 300 patients: OR-Tools' plan 35× the literature's cost)."""
    search.load([[] for _ in search.routes])
    search.repair()
    cost = search.load(search.routes)
    assert cost is not None, "an insertion keeps the schedule feasible"
    return _Solution([list(r) for r in search.routes], set(search.unrouted), cost)


def schedule(
    problem: Problem, routes: dict[str, tuple[str, ...]], weights: Weights
) -> tuple[list[Route], list[int]] | None:
    """Timed routes (earliest schedule) and the indices of visits left out, for routes `improve` gave."""
    search = _Search(problem, weights, 0)
    order = [[problem.visit_index[vid] for vid in routes.get(c.id, ())] for c in problem.carers]
    if search.load(order) is None:
        return None
    timed: list[Route] = []
    for k, route in enumerate(search.routes):
        if not route:
            continue
        matrix, place = search.mat[k], search.start_loc[k]
        first = route[0]
        departure = max(search.shift_start[k], search.start[first] - matrix[place][search.loc[first]])
        clock, travel = departure, 0
        stops: list[Stop] = []
        for i in route:
            leg = matrix[place][search.loc[i]]
            travel += leg
            arrival = clock + leg
            st = search.start[i]
            stops.append(
                Stop(problem.visits[i].id, arrival, st, st + search.dur[i], st - arrival, search._late(i, st))
            )
            clock, place = st + search.dur[i], search.loc[i]
        back = matrix[place][search.end_loc[k]]
        timed.append(Route(problem.carers[k].id, tuple(stops), departure, clock + back, travel + back))
    return timed, sorted(search.unrouted)
