"""Solver parameters with documented defaults.

Weights are integers in cost units per second so that the solver's objective is exact. The defaults
follow the objective order: an unserved mandatory visit costs more than any lateness; a second of lateness
beyond the agreed window costs as much as ten seconds of travel; a visit by someone other than the
preferred carers costs as much as five minutes of travel.
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

    def __post_init__(self) -> None:
        for name in ("mandatory_drop", "lateness_per_second", "travel_per_second", "continuity_miss"):
            if getattr(self, name) < 0:
                raise ValueError(f"weight {name} must be ≥ 0")


@dataclass(frozen=True)
class SolveParams:
    """time_limit_s bounds the whole solve; max_solutions (if set) makes the search stop on its own,
    which makes the result identical for the same seed whatever the machine's speed."""

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

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ValueError("time_limit_s must be > 0")
        if self.max_solutions is not None and self.max_solutions <= 0:
            raise ValueError("max_solutions must be > 0")
        if self.link_strategy not in ("fix_and_optimise", "direct"):
            raise ValueError("link_strategy must be 'fix_and_optimise' or 'direct'")
        if self.engine not in ("auto", "ortools"):
            raise ValueError("engine must be 'auto' (PyVRP warm start where it applies) or 'ortools'")
