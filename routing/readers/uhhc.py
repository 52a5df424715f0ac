"""The UHHC JSON format (Ceschia et al.) of the Mankowska home-health-care instances.

Each required service of a patient becomes one Visit with that service as its competence; two services
of one patient are joined by SameStart (simultaneous) or Precedence (sequential, min/max gap). A time
window's start is hard, its end is soft (tardiness). Times are scaled to integers by `scale`, with
distances rounded to the nearest unit; the benchmark recomputes costs in double precision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from routing.problem import Carer, Link, Precedence, Problem, SameStart, TimeWindow, Visit


@dataclass(frozen=True)
class UhhcInstance:
    name: str
    problem: Problem
    distances: tuple[tuple[float, ...], ...]
    scale: int
    windows: dict[str, tuple[float, float]]
    locations: dict[str, int]
    durations: dict[str, float]
    depot: int


def read_uhhc(path: Path, *, scale: int = 1000) -> UhhcInstance:
    data: dict[str, Any] = json.loads(path.read_text())
    distances = tuple(tuple(float(x) for x in row) for row in data["distances"])
    matrix = np.rint(np.asarray(distances) * scale).astype(np.int64)
    depots = {t["id"]: int(t["distance_matrix_index"]) for t in data["terminal_points"]}
    latest_end = max(w["end"] for p in data["patients"] for w in p["time_windows"])
    horizon = int((latest_end + 10 * max(max(r) for r in distances) + 2000) * scale)
    visits: list[Visit] = []
    links: list[Link] = []
    windows: dict[str, tuple[float, float]] = {}
    locations: dict[str, int] = {}
    durations: dict[str, float] = {}
    for patient in data["patients"]:
        if len(patient["time_windows"]) != 1:
            raise ValueError(f"{path}: patient {patient['id']} must have exactly one time window")
        window = patient["time_windows"][0]
        ids = []
        for service in patient["required_services"]:
            vid = f"{patient['id']}#{service['service']}"
            ids.append(vid)
            windows[vid] = (float(window["start"]), float(window["end"]))
            locations[vid] = int(patient["distance_matrix_index"])
            durations[vid] = float(service["duration"])
            visits.append(
                Visit(
                    id=vid,
                    location=int(patient["distance_matrix_index"]),
                    duration=round(service["duration"] * scale),
                    windows=(TimeWindow(round(window["start"] * scale), horizon),),
                    soft_end=round(window["end"] * scale),
                    competences=frozenset({service["service"]}),
                )
            )
        sync = patient.get("synchronization")
        if len(ids) == 2 and sync is not None:
            if sync["type"] == "simultaneous":
                links.append(SameStart(ids[0], ids[1]))
            elif sync["type"] == "sequential":
                gap = sync["distance"]
                links.append(Precedence(ids[0], ids[1], round(gap["min"] * scale), round(gap["max"] * scale)))
            else:
                raise ValueError(f"{path}: unknown synchronization {sync['type']}")
    carers = tuple(
        Carer(
            id=c["id"],
            start_location=depots[c["departing_point"]],
            end_location=depots[c["arrival_point"]],
            shift_start=0,
            shift_end=horizon,
            competences=frozenset(c["abilities"]),
        )
        for c in data["caregivers"]
    )
    depot = next(iter(depots.values()))
    return UhhcInstance(
        path.stem,
        Problem({"car": matrix}, tuple(visits), carers, tuple(links)),
        distances,
        scale,
        windows,
        locations,
        durations,
        depot,
    )
