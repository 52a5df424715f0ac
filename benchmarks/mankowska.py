"""Mankowska home-health-care instances (UHHC JSON): solve, check, and compare the literature cost
(travel + total tardiness + max tardiness) / 3 with BRKGA-MP-IPR's best and mean. A plan is feasible when
routing.check accepts it, every service is served and the file-level check (benchmarks/uhhc_verify.py,
straight from the JSON) finds no violation; `same` counts double-service patients served by one caregiver.

    python benchmarks/mankowska.py --seconds 60 [--instances InstanzCPLEX_HCSRP_10_1,...] [--sizes 10,25] [--jobs 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import machine, require_shared, run_all
from benchmarks.uhhc_verify import verify_uhhc
from routing import Plan, SolveParams, Weights, check, solve
from routing.readers import UhhcInstance, read_uhhc


def literature_cost(instance: UhhcInstance, plan: Plan) -> tuple[float, float, float, float]:
    """(cost, travel, total tardiness, max tardiness) in the instance's own units, double precision."""
    d = instance.distances
    travel = 0.0
    tardiness: list[float] = []
    for route in plan.routes:
        place = instance.depot
        for stop in route.stops:
            travel += d[place][instance.locations[stop.visit_id]]
            place = instance.locations[stop.visit_id]
            start = stop.start / instance.scale
            tardiness.append(max(0.0, start - instance.windows[stop.visit_id][1]))
        travel += d[place][instance.depot]
    total, worst = sum(tardiness), max(tardiness, default=0.0)
    return (travel + total + worst) / 3, travel, total, worst


def file_routes(instance: UhhcInstance, plan: Plan) -> list[tuple[str, list[tuple[str, float]]]]:
    """The plan as the file-level check reads it: each caregiver's visits with starts in the file's units."""
    return [(r.carer_id, [(s.visit_id, s.start / instance.scale) for s in r.stops]) for r in plan.routes]


def solve_one(task: tuple[Path, float]) -> dict[str, object]:
    path, seconds = task
    instance = read_uhhc(path)
    # The literature's objective: travel + total tardiness + max tardiness, all weighed alike (no idle term).
    weights = Weights(
        lateness_per_second=1,
        travel_per_second=1,
        continuity_miss=0,
        max_lateness_per_second=1,
        idle_carer=0,
    )
    plan = solve(instance.problem, SolveParams(time_limit_s=seconds, weights=weights))
    result = check(instance.problem, plan, weights)
    cost, travel, total, worst = literature_cost(instance, plan)
    in_file = verify_uhhc(path, file_routes(instance, plan))
    for violation in in_file.violations:
        print(f"{instance.name}: {violation}", file=sys.stderr)
    return {
        "instance": instance.name,
        "feasible": result.feasible and not plan.unassigned and not in_file.violations,
        "file_violations": len(in_file.violations),
        "same_carer_pairs": in_file.same_carer_pairs,
        "file_cost_diff": round(abs(in_file.cost - cost), 6),
        "cost": round(cost, 2),
        "travel": round(travel, 2),
        "total_tardiness": round(total, 2),
        "max_tardiness": round(worst, 2),
        "unassigned": len(plan.unassigned),
        "seconds": round(plan.stats.wall_time_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--instances", default="")
    parser.add_argument("--sizes", default="", help="e.g. 10,25,50,75 (patients)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = require_shared("benchmarks/hhcrsp/mankowska")
    with (folder.parent / "brkga_mp_ipr_results.csv").open() as handle:
        brkga = {row["instance"]: row for row in csv.DictReader(handle)}
    names = [n.strip() for n in args.instances.split(",") if n.strip()]
    if not names:
        names = sorted(p.stem for p in folder.glob("*.json"))
        if args.sizes:
            sizes = {s.strip() for s in args.sizes.split(",")}
            names = [n for n in names if n.split("_")[2] in sizes]
    names.sort(key=lambda n: (_patients(n), int(n.split("_")[3])))
    rows = run_all(solve_one, [(folder / f"{n}.json", args.seconds) for n in names], args.jobs)
    print(f"# {machine()} seconds={args.seconds} jobs={args.jobs}")
    print(
        f"{'instance':<26} {'feas':>5} {'cost':>9} {'brkga_best':>10} {'brkga_mean':>10} {'ratio':>6} {'s':>6}"
        f" {'same':>4}"
    )
    ratios = []
    for row in rows:
        ref = brkga.get(str(row["instance"]))
        mean = float(ref["mean_cost"]) if ref else float("nan")
        best = float(ref["best_cost"]) if ref else float("nan")
        ratio = float(str(row["cost"])) / mean if ref and mean > 0 else float("nan")
        row.update(brkga_best=best, brkga_mean=mean, ratio=round(ratio, 4))
        ratios.append(ratio)
        print(
            f"{row['instance']:<26} {row['feasible']!s:>5} {row['cost']:>9} {best:>10} {mean:>10} "
            f"{ratio:>6.3f} {row['seconds']:>6} {row['same_carer_pairs']:>4}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    by_size: dict[int, list[dict[str, object]]] = {}
    for row in rows:
        by_size.setdefault(_patients(str(row["instance"])), []).append(row)
    for size, group in sorted(by_size.items()):
        print(
            f"patients={size} instances={len(group)} feasible={sum(1 for r in group if r['feasible'])} "
            f"mean_ratio={statistics.mean(float(str(r['ratio'])) for r in group):.4f}"
        )
    # The target is for the instances up to 100 patients; 200 and 300 are reported as measured.
    small = [float(str(r["ratio"])) for r in rows if _patients(str(r["instance"])) <= 100]
    small_part = f" mean_ratio_up_to_100_patients={statistics.mean(small):.4f}" if small else ""
    print(
        f"RESULT instances={len(rows)} feasible={sum(1 for r in rows if r['feasible'])} "
        f"mean_ratio_to_brkga_mean={statistics.mean(ratios):.4f}{small_part} "
        f"file_violations={sum(int(str(r['file_violations'])) for r in rows)} "
        f"same_carer_pairs={sum(int(str(r['same_carer_pairs'])) for r in rows)}"
    )


def _patients(name: str) -> int:
    return int(name.split("_")[2])


if __name__ == "__main__":
    main()
