"""routing.solve: the public entry point of the optimisation core."""

from __future__ import annotations

import time
from dataclasses import replace

from routing import frame, lns, on_time, pyvrp_engine
from routing.explain import explain_unassigned
from routing.linked import solve_linked
from routing.objective import objective_of, rank
from routing.ortools_model import solve_with_ortools
from routing.params import SolveParams
from routing.plan import Plan, Route
from routing.problem import Problem
from routing.rebalance import rebalance
from routing.repair import repair_on_time

PYVRP_SHARE = 0.9
ON_TIME_SHARE = 0.6  # of the time for the on-time search; OR-Tools adds the other visits in the rest
LNS_MARGIN_S = 0.3
LINKED_FRAME_S = 1.0  # at most, for placing the linked visits alone
BAND_WORTH_S = 300  # a visit kept at its usual time is worth this many seconds off it (× the anchor weight)
REPAIR_SHARE = 0.05  # of the time for the on-time repair pass (it needs 0.3 s at most on a Lier team-shift)


def solve(problem: Problem, params: SolveParams | None = None) -> Plan:
    """Plan the day: routes of timed stops, every unserved visit explained, the objective broken down.

    Pure VRPTW problems (benchmarks, not real home-care days) first get routes from PyVRP, which OR-Tools
    then improves; everything else goes to OR-Tools directly. Problems with linked visits (or a weight on the
    worst lateness) then go to the pair-aware search (routing.lns) for the rest of the time. Deterministic
    runs (max_solutions) skip PyVRP and give the pair-aware search a fixed number of iterations. Last, the
    balance pass gives visits still waiting (late or left out) to carers left without visits, where the
    objective gains (routing.rebalance).
    """
    params = params or SolveParams()
    plan = _planned(problem, params)
    routes, dropped = list(plan.routes), sorted(problem.visit_index[u.visit_id] for u in plan.unassigned)
    balanced, left = rebalance(problem, routes, dropped, params)
    if (balanced, left) == (routes, dropped):
        return plan
    return replace(
        plan,
        routes=tuple(balanced),
        unassigned=tuple(explain_unassigned(problem, v, set(left)) for v in left),
        objective=objective_of(problem, balanced, left, params),
        stats=replace(plan.stats, engine=f"{plan.stats.engine}+balance"),
    )


def _planned(problem: Problem, params: SolveParams) -> Plan:
    """The plan of the engines chosen for the problem, before the balance pass."""
    if _on_time_first_applies(problem, params):
        found = _on_time_first(problem, params)
        if found is not None:
            return found
    began = time.monotonic()
    engine = "ortools"
    pair_search = params.lns_share > 0 and lns.qualifies(problem, params.weights)
    ortools_params = params
    if pair_search:
        ortools_params = replace(params, time_limit_s=params.time_limit_s * (1 - params.lns_share))
    if (
        params.engine == "auto"
        and params.initial_routes is None
        and params.max_solutions is None
        and pyvrp_engine.qualifies(problem)
    ):
        warm = pyvrp_engine.initial_routes(problem, params.time_limit_s * PYVRP_SHARE, params.seed)
        if warm is not None:
            engine = "pyvrp+ortools"
            remaining = max(params.time_limit_s - (time.monotonic() - began), 0.2)
            ortools_params = replace(params, initial_routes=warm, time_limit_s=remaining)
    if params.link_strategy == "fix_and_optimise" and problem.links and params.initial_routes is None:
        engine = "ortools-fix-and-optimise"
        routes, dropped, stats = solve_linked(problem, ortools_params)
    else:
        routes, dropped, stats = solve_with_ortools(problem, ortools_params)
    if pair_search:
        margin = min(LNS_MARGIN_S, 0.1 * params.time_limit_s)
        remaining = params.time_limit_s - (time.monotonic() - began) - margin
        improved = _pair_search(problem, params, routes, dropped, remaining)
        if improved is not None:
            routes, dropped = improved
            engine += "+lns"
    stats = replace(stats, wall_time_s=time.monotonic() - began, engine=engine)
    dropped_set = set(dropped)
    unassigned = tuple(explain_unassigned(problem, v, dropped_set) for v in sorted(dropped))
    return Plan(
        routes=tuple(routes),
        unassigned=unassigned,
        objective=objective_of(problem, routes, dropped, params),
        stats=stats,
        weights=params.weights,
    )


def _on_time_first_applies(problem: Problem, params: SolveParams) -> bool:
    """Home-care days (agreed windows that may be missed) where nothing asks for a reproducible run or for
    the worst lateness to be weighed on its own."""
    return (
        params.engine == "auto"
        and params.initial_routes is None
        and params.max_solutions is None
        and params.weights.max_lateness_per_second == 0
        and bool(problem.carers)
        and any(v.soft_end is not None for v in problem.visits)
        and all(c.capacity is None and len(c.breaks) <= 1 for c in problem.carers)
    )


def _linked_frame(problem: Problem, params: SolveParams) -> Problem:
    """The problem with its linked visits pinned at a carer and a start, so the on-time search plans the
    other visits around them instead of leaving them no room: double-staffed pairs where they cost a pilot
    plan of the other visits least (routing.frame), other links where OR-Tools places them alone."""
    if not problem.links:
        return problem
    seconds = min(LINKED_FRAME_S, params.time_limit_s * 0.1)
    placed = frame.pair_frame(problem, seconds, params.seed, params.weights.continuity_miss)
    if placed is not None:
        return on_time.with_placed(problem, placed)
    part = on_time.linked_part(problem)
    alone = solve(
        part, replace(params, time_limit_s=seconds, engine="ortools", lns_share=0, reserve_per_second=0)
    )
    placed = {s.visit_id: (r.carer_id, s.start) for r in alone.routes for s in r.stops}
    return on_time.with_placed(problem, placed)


def _on_time_first(problem: Problem, params: SolveParams) -> Plan | None:
    """Linked visits first as a frame, then visits in their window (PyVRP, prize-collecting over the agreed
    windows), then OR-Tools adds every other visit where it can without moving those out of their window,
    and last the repair pass puts waiting visits on time where moving one other visit makes room
    (routing.repair). None when PyVRP finds nothing feasible, so the caller plans the usual way."""
    began = time.monotonic()
    framed = _linked_frame(problem, params)
    chosen, windows, required = on_time.search_windows(framed)
    weights = params.weights
    bands = (
        on_time.anchor_bands(framed, windows, required, weights.anchor_tolerance)
        if weights.anchor_per_second
        else {}
    )
    found = pyvrp_engine.on_time_routes(
        framed,
        chosen,
        windows,
        required,
        seconds=max(params.time_limit_s * ON_TIME_SHARE - (time.monotonic() - began), 0.2),
        seed=params.seed,
        continuity_miss=weights.continuity_miss,
        bands=bands,
        band_bonus=weights.anchor_per_second * BAND_WORTH_S,
        wide=on_time.wide_windows(framed, windows, required),
        reserve_bonus=on_time.RESERVE_WORTH_S,
    )
    if found is None:
        return None
    routes, served = found
    ids = {framed.visits[i].id: i for i in windows}
    in_band = {v: window[0] for v, window in served.items() if bands.get(ids[v]) == window}
    windows = {i: served.get(framed.visits[i].id, window) for i, window in windows.items()}
    kept, starts = on_time.keep_on_time(framed, routes, windows, in_band)
    held = on_time.held_on_time(
        framed,
        {v for route in kept.values() for v in route},
        on_time.bands_kept(framed, bands, starts),
    )
    # OR-Tools gets what is left but the repair's share, at least half a second (half the limit on a
    # sub-second trial solve)
    limit = params.time_limit_s
    remaining = max(limit * (1 - REPAIR_SHARE) - (time.monotonic() - began), min(0.5, limit / 2))
    plan = solve(held, replace(params, time_limit_s=remaining, initial_routes=kept, engine="ortools"))
    dropped = sorted(problem.visit_index[u.visit_id] for u in plan.unassigned)
    repaired, dropped = repair_on_time(
        problem, list(plan.routes), dropped, params, deadline=max(began + limit, time.monotonic() + 0.05)
    )
    stats = replace(
        plan.stats, wall_time_s=time.monotonic() - began, engine=f"pyvrp-on-time+{plan.stats.engine}"
    )
    return Plan(
        routes=tuple(repaired),
        unassigned=tuple(explain_unassigned(problem, v, set(dropped)) for v in dropped),
        objective=objective_of(problem, repaired, dropped, params),
        stats=stats,
        notes=plan.notes,
        weights=params.weights,
    )


def _pair_search(
    problem: Problem, params: SolveParams, routes: list[Route], dropped: list[int], seconds: float
) -> tuple[list[Route], list[int]] | None:
    """The pair-aware search's plan if it is better (fewer mandatory visits left out, then cheaper)."""
    if seconds <= 0.05:
        return None
    start = {r.carer_id: tuple(s.visit_id for s in r.stops) for r in routes}
    found = lns.improve(
        problem,
        start,
        params.weights,
        seed=params.seed,
        time_limit_s=seconds,
        max_iterations=params.lns_iterations if params.max_solutions is not None else None,
    )
    timed = lns.schedule(problem, found, params.weights) if found is not None else None
    if timed is None:
        return None

    return timed if rank(problem, *timed, params) <= rank(problem, routes, dropped, params) else None
