"""What happens on a simulated day that nobody planned: how long visits and drives really take, who calls in
sick, who needs an urgent visit. Seeded, so a day replays identically for the same seed."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

SICK_LEAVE_RATE = 0.124  # Lier 2017-18 (../shared/docs/domain.md, A 1060)
DURATION_CV = 0.3  # visit minutes vary around the vedtak minutes
TRAVEL_CV = 0.2  # traffic, parking, stairs: drives vary around the road network's time


def lognormal_factor(rng: random.Random, cv: float) -> float:
    """A multiplier with mean 1 and coefficient of variation `cv` (lognormal: never negative, long tail)."""
    sigma = math.sqrt(math.log(1 + cv * cv))
    return rng.lognormvariate(-sigma * sigma / 2, sigma)


@dataclass
class Draws:
    """One day's randomness; every draw is keyed by what it is about (the visit, the carer's n-th drive),
    not by the order it is asked for, so turning re-planning or notices off changes no visit's length."""

    seed: int
    duration_cv: float = DURATION_CV
    travel_cv: float = TRAVEL_CV
    sick_rate: float = SICK_LEAVE_RATE

    def __post_init__(self) -> None:
        self._duration_of: dict[str, int] = {}
        self._travel_of: dict[tuple[str, int, int], int] = {}

    def visit_seconds(self, key: str, minutes: int) -> int:
        """The visit's real length (the same visit keeps the same length whoever makes it)."""
        if key not in self._duration_of:
            factor = lognormal_factor(random.Random(f"{self.seed}:{key}"), self.duration_cv)
            self._duration_of[key] = max(60, round(minutes * 60 * factor))
        return self._duration_of[key]

    def travel_seconds(self, carer: str, leg: int, seconds: int) -> int:
        """The drive's real time: the road network's time with noise (drawn once per carer and leg)."""
        key = (carer, leg, seconds)
        if key not in self._travel_of:
            factor = lognormal_factor(random.Random(f"{self.seed}:{carer}:{leg}"), self.travel_cv)
            self._travel_of[key] = max(0, round(seconds * factor))
        return self._travel_of[key]

    def sick(self, carer_ids: list[int]) -> list[int]:
        """Carers of the day shift who call in sick, each with the municipality's sick-leave rate."""
        rng = random.Random(f"{self.seed}:sick")
        return [c for c in sorted(carer_ids) if rng.random() < self.sick_rate]

    def pick(self, items: list[int]) -> int:
        return random.Random(f"{self.seed}:urgent").choice(sorted(items))
