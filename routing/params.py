"""Solver parameters with documented defaults.

Weights are integers in cost units per second so that the solver's objective is exact. The defaults
follow the objective order: an unserved mandatory visit costs more than any lateness; a second of lateness
beyond the agreed window costs as much as ten seconds of travel; a visit by someone other than the
preferred carers costs as much as five minutes of travel; a second's start away from the visit's usual time
(anchor_start, beyond anchor_tolerance = 10 min) costs two seconds of travel (predictability counts more
than travel and less than punctuality); a carer left without visits while a visit they could have started
on time waits, late or left out, costs as much as an hour of travel (routing.balance). The worst lateness of the plan is weighed
on its own by max_lateness_per_second (0 by default: the total already counts it); OR-Tools cannot
model a maximum, so its model adds that weight to every visit's lateness, and the pair-aware search
(routing.lns) optimises the exact sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Weights:
    mandatory_drop: int = 10_000_000
    lateness_per_second: int = 10
    travel_per_second: int = 1
    continuity_miss: int = 300
    max_lateness_per_second: int = 0
    anchor_per_second: int = 2
    anchor_tolerance: int = 600
    idle_carer: int = 3600

    def __post_init__(self) -> None:
        for name in (
            "mandatory_drop",
            "lateness_per_second",
            "travel_per_second",
            "continuity_miss",
            "max_lateness_per_second",
            "anchor_per_second",
            "anchor_tolerance",
            "idle_carer",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"weight {name} must be ≥ 0")


@dataclass(frozen=True)
class SolveParams:
    """time_limit_s bounds the whole solve; max_solutions (if set) makes the search stop on its own,
    which makes the result identical for the same seed whatever the machine's speed (the pair-aware
    search then runs lns_iterations iterations). On problems with links (and no breaks or loads)
    OR-Tools gets 1 - lns_share of the time and routing.lns improves its plan in the rest; 0 turns it off.
    reserve_per_second > 0 trades the weighted objective for slack on the day: when OR-Tools adds visits
    around those the on-time stage placed, each second one of them starts within the reserve before its
    agreed end (routing.on_time.with_reserve) costs this much, though the objective does not count it. 0 (the
    default) leaves the weighted objective alone to decide, as its brute-force optimum test asks; the
    product plans with routing.on_time.RESERVE_PER_S."""

    time_limit_s: float = 10.0
    seed: int = 0
    weights: Weights = field(default_factory=Weights)
    max_solutions: int | None = None
    initial_routes: Mapping[str, tuple[str, ...]] | None = None
    first_solution: str = "LOCAL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    log_search: bool = False
    engine: str = "auto"
    link_strategy: str = "fix_and_optimise"
    lns_share: float = 0.6
    lns_iterations: int = 200
    reserve_per_second: int = 0

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ValueError("time_limit_s must be > 0")
        if self.max_solutions is not None and self.max_solutions <= 0:
            raise ValueError("max_solutions must be > 0")
        if self.link_strategy not in ("fix_and_optimise", "direct"):
            raise ValueError("link_strategy must be 'fix_and_optimise' or 'direct'")
        if not 0 <= self.lns_share < 1:
            raise ValueError("lns_share must be in [0, 1)")
        if self.reserve_per_second < 0:
            raise ValueError("reserve_per_second must be ≥ 0")
        if self.lns_iterations <= 0:
            raise ValueError("lns_iterations must be > 0")
        if self.engine not in ("auto", "ortools"):
            raise ValueError("engine must be 'auto' (PyVRP warm start where it applies) or 'ortools'")
