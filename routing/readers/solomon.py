"""Solomon VRPTW instances: `id x y demand ready due service` rows, row 0 the depot, capacity on line 1.

Travel time = Euclidean distance. The solver needs integers, so times are scaled by `scale` and each
distance is rounded up: a route feasible in scaled integers is feasible in exact arithmetic, and the
benchmark measures the distance of the solver's routes in double precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from routing.problem import Carer, Problem, TimeWindow, Visit


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    problem: Problem
    coordinates: tuple[tuple[float, float], ...]
    scale: int

    def distance(self, a: int, b: int) -> float:
        (x1, y1), (x2, y2) = self.coordinates[a], self.coordinates[b]
        return math.hypot(x1 - x2, y1 - y2)

    def route_distance(self, visit_ids: list[str]) -> float:
        """Exact distance depot → visits → depot; visit ids are the customer numbers."""
        path = [0, *(int(v) for v in visit_ids), 0]
        return sum(self.distance(a, b) for a, b in pairwise(path))


def read_solomon(path: Path, *, vehicles: int = 25, scale: int = 1000) -> SolomonInstance:
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    if not lines or len(lines[0]) != 1:
        raise ValueError(f"{path}: first line must hold the vehicle capacity")
    capacity = int(lines[0][0])
    rows = [[float(x) for x in line] for line in lines[1:]]
    if any(len(r) != 7 for r in rows) or not rows:
        raise ValueError(f"{path}: each row needs 7 numbers: id x y demand ready due service")
    coords = tuple((r[1], r[2]) for r in rows)
    n = len(rows)
    matrix = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        for j in range(n):
            if i != j:
                matrix[i, j] = math.ceil(
                    math.hypot(coords[i][0] - coords[j][0], coords[i][1] - coords[j][1]) * scale
                )
    depot = rows[0]
    visits = tuple(
        Visit(
            id=str(int(r[0])),
            location=i,
            duration=round(r[6] * scale),
            windows=(TimeWindow(round(r[4] * scale), round(r[5] * scale)),),
            demand=int(r[3]),
        )
        for i, r in enumerate(rows)
        if i > 0
    )
    carers = tuple(
        Carer(
            id=f"k{k + 1}",
            start_location=0,
            end_location=0,
            shift_start=int(depot[4] * scale),
            shift_end=int(depot[5] * scale),
            capacity=capacity,
        )
        for k in range(vehicles)
    )
    return SolomonInstance(path.stem, Problem({"car": matrix}, visits, carers), coords, scale)
