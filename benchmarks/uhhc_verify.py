"""A second, file-level check of Mankowska plans: read the UHHC JSON itself (not routing's Problem built
from it) and verify a plan's routes in double precision.

Why: routing.check validates the plan against the Problem the reader made, so a mistake in the
conversion (a lost skill, a gap read the wrong way round) would pass it. Plans that beat the literature
must be shown to satisfy the instance as published.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EPS = 0.01  # time units; the solver's integer times round each distance to 1/1000


@dataclass
class FileCheck:
    violations: list[str] = field(default_factory=list)
    same_carer_pairs: int = 0  # both services of one patient by one caregiver (allowed by the file's rules)
    cost: float = 0.0


def verify_uhhc(path: Path, routes: Sequence[tuple[str, Sequence[tuple[str, float]]]]) -> FileCheck:
    """routes: (caregiver id, [("patient#service", start) ...] in visiting order), as served."""
    data: dict[str, Any] = json.loads(path.read_text())
    dist = data["distances"]
    patients = {p["id"]: p for p in data["patients"]}
    abilities = {c["id"]: set(c["abilities"]) for c in data["caregivers"]}
    depots = {t["id"]: t["distance_matrix_index"] for t in data["terminal_points"]}
    homes = {c["id"]: (depots[c["departing_point"]], depots[c["arrival_point"]]) for c in data["caregivers"]}
    result = FileCheck()
    served: dict[tuple[str, str], tuple[str, float]] = {}
    travel, tardiness = 0.0, []
    for carer, stops in routes:
        if carer not in abilities:
            result.violations.append(f"unknown caregiver {carer}")
            continue
        place, free_at = homes[carer][0], 0.0
        for visit, start in stops:
            patient_id, service = visit.split("#")
            patient = patients.get(patient_id)
            durations = {s["service"]: s["duration"] for s in patient["required_services"]} if patient else {}
            if patient is None or service not in durations:
                result.violations.append(f"{visit}: not a required service")
                continue
            if (patient_id, service) in served:
                result.violations.append(f"{visit}: served twice")
            served[(patient_id, service)] = (carer, start)
            if service not in abilities[carer]:
                result.violations.append(f"{visit}: {carer} lacks ability {service}")
            here = patient["distance_matrix_index"]
            window = patient["time_windows"][0]
            if start < window["start"] - EPS:
                result.violations.append(f"{visit}: starts {start:.2f} before its window {window['start']}")
            if start < free_at + dist[place][here] - EPS:
                result.violations.append(f"{visit}: starts {start:.2f} before {carer} can be there")
            travel += dist[place][here]
            tardiness.append(max(0.0, start - window["end"]))
            place, free_at = here, start + durations[service]
        if stops:
            travel += dist[place][homes[carer][1]]
    for patient in data["patients"]:
        services = [s["service"] for s in patient["required_services"]]
        missing = [s for s in services if (patient["id"], s) not in served]
        if missing:
            result.violations.append(f"{patient['id']}: {', '.join(missing)} not served")
            continue
        if len(services) != 2:
            continue
        (carer_a, start_a), (carer_b, start_b) = (served[(patient["id"], s)] for s in services)
        result.same_carer_pairs += carer_a == carer_b
        sync = patient.get("synchronization") or {}
        if sync.get("type") == "simultaneous" and (abs(start_a - start_b) > EPS or carer_a == carer_b):
            result.violations.append(f"{patient['id']}: simultaneous services not together by two caregivers")
        if sync.get("type") == "sequential":
            gap = start_b - start_a
            if not sync["distance"]["min"] - EPS <= gap <= sync["distance"]["max"] + EPS:
                result.violations.append(f"{patient['id']}: gap {gap:.2f} outside {sync['distance']}")
    result.cost = (travel + sum(tardiness) + max(tardiness, default=0.0)) / 3
    return result
