"""Solomon VRPTW: solve each instance (25 vehicles, capacity, minimise distance), check it, compare with
the best-known distance.

    python benchmarks/solomon.py --seconds 10 [--instances C101,R101] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import machine, require_shared, run_all
from routing import SolveParams, check, solve
from routing.readers import read_solomon


def solve_one(task: tuple[Path, float, float]) -> dict[str, object]:
    path, seconds, best_known = task
    instance = read_solomon(path)
    plan = solve(instance.problem, SolveParams(time_limit_s=seconds))
    result = check(instance.problem, plan)
    distance = sum(instance.route_distance([s.visit_id for s in r.stops]) for r in plan.routes)
    feasible = result.feasible and not plan.unassigned
    return {
        "instance": instance.name,
        "feasible": feasible,
        "distance": round(distance, 2),
        "vehicles": len(plan.routes),
        "best_known": best_known,
        "gap_pct": round(100 * (distance - best_known) / best_known, 3),
        "seconds": round(plan.stats.wall_time_s, 2),
        "violations": len(result.violations),
        "unassigned": len(plan.unassigned),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--instances", default="", help="comma-separated names; default all 56")
    parser.add_argument("--jobs", type=int, default=1, help="instances solved in parallel (≤ cores)")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args()
    folder = require_shared("benchmarks/solomon")
    bks = json.loads((folder / "bks_distance.json").read_text())
    names = [n.strip() for n in args.instances.split(",") if n.strip()] or sorted(bks)
    unknown = [n for n in names if n not in bks]
    if unknown:
        raise SystemExit(f"unknown instance(s): {', '.join(unknown)}")
    tasks = [(folder / f"{n}.txt", args.seconds, float(bks[n]["best_known_distance"])) for n in names]
    rows = run_all(solve_one, tasks, args.jobs)
    print(f"# {machine()} seconds={args.seconds} jobs={args.jobs}")
    print(f"{'instance':<8} {'feasible':>8} {'distance':>10} {'bks':>10} {'gap%':>7} {'veh':>4} {'s':>6}")
    for row in rows:
        print(
            f"{row['instance']:<8} {row['feasible']!s:>8} {row['distance']:>10} {row['best_known']:>10} "
            f"{row['gap_pct']:>7} {row['vehicles']:>4} {row['seconds']:>6}"
        )
    gaps = [float(str(r["gap_pct"])) for r in rows]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    print(
        f"RESULT instances={len(rows)} feasible={sum(1 for r in rows if r['feasible'])} "
        f"mean_gap_pct={statistics.mean(gaps):.3f} max_gap_pct={max(gaps):.3f} seconds_per_instance={args.seconds}"
    )


if __name__ == "__main__":
    main()
