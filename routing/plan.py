"""What the solver returns: routes of timed stops, unassigned visits with reasons, the objective."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from routing.params import Weights


@dataclass(frozen=True)
class Stop:
    visit_id: str
    arrival: int
    start: int
    end: int
    waiting: int
    lateness: int


@dataclass(frozen=True)
class Route:
    carer_id: str
    stops: tuple[Stop, ...]
    start_time: int
    end_time: int
    travel_time: int
    break_starts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Unassigned:
    """A visit no carer got, with a code and a sentence a coordinator understands (Norwegian)."""

    visit_id: str
    reason: str
    message: str


@dataclass(frozen=True)
class Objective:
    lateness_total: int = 0
    lateness_max: int = 0
    travel: int = 0
    continuity_misses: int = 0
    dropped_mandatory: int = 0
    dropped_optional: int = 0
    weighted_total: int = 0
    anchor_deviation: int = 0  # seconds started beyond the tolerance around the visits' usual times
    idle_carers: int = 0  # carers without visits while a visit they could start on time waits


@dataclass(frozen=True)
class SolverStats:
    status: str
    wall_time_s: float
    objective_value: int
    solutions_found: int = 0
    seed: int = 0
    warm_started: bool = False
    engine: str = "ortools"


def on_time_count(routes: Sequence[Route]) -> int:
    """Stops that start inside their agreed window (no lateness)."""
    return sum(1 for route in routes for stop in route.stops if stop.lateness == 0)


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    objective: Objective
    stats: SolverStats
    notes: tuple[str, ...] = field(default=())
    weights: Weights = field(default_factory=Weights)  # what the objective was weighed with

    def route_of(self, carer_id: str) -> Route | None:
        return next((r for r in self.routes if r.carer_id == carer_id), None)

    def on_time(self) -> int:
        """Stops that start inside their agreed window (no lateness)."""
        return on_time_count(self.routes)

    def assigned_visit_ids(self) -> list[str]:
        return [s.visit_id for r in self.routes for s in r.stops]
