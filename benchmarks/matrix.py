"""Travel-time matrices on real OSM extracts: 500 random points on the unsimplified car network.

Times loading (with the GraphML cache cold and warm), snapping and the 500×500 matrix (scipy Dijkstra),
then the same matrix with networkx single-source Dijkstra as the baseline, in the same run.

    python benchmarks/matrix.py [--points 500] [--extracts liechtenstein-latest,north-bayreuth]
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import machine, require_shared
from maps import Point, load_network, snap, travel_time_matrix


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(pbf: Path, n_points: int, seed: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as cache:
        began = time.perf_counter()
        network = load_network(pbf, "car", cache_dir=Path(cache))
        load_s = time.perf_counter() - began
        began = time.perf_counter()
        load_network(pbf, "car", cache_dir=Path(cache))
        cached_s = time.perf_counter() - began
    rng = np.random.default_rng(seed)
    west, south, east, north = network.bounds
    points: list[Point] = []
    while len(points) < n_points:  # random places within 300 m of a car road
        candidate = Point(float(rng.uniform(south, north)), float(rng.uniform(west, east)), f"p{len(points)}")
        distance = network.tree.query(network.project([candidate.lat], [candidate.lon]))[0][0]
        if distance <= 300:
            points.append(candidate)
    began = time.perf_counter()
    snapped = snap(network, points)
    snap_s = time.perf_counter() - began
    began = time.perf_counter()
    matrix = travel_time_matrix(network, points, stop_overhead_s=0)
    matrix_s = time.perf_counter() - began
    began = time.perf_counter()
    node_ids = [int(network.node_ids[s.node_index]) for s in snapped]
    baseline = np.zeros_like(matrix)
    for i, source in enumerate(node_ids):
        lengths = nx.single_source_dijkstra_path_length(network.graph, source, weight="travel_time")
        baseline[i] = [math.ceil(lengths[t]) for t in node_ids]
    networkx_s = time.perf_counter() - began
    if not (baseline == matrix).all():
        raise SystemExit(
            f"{pbf.name}: scipy and networkx matrices differ in {(baseline != matrix).sum()} cells"
        )
    return {
        "nodes": network.graph.number_of_nodes(),
        "edges": network.graph.number_of_edges(),
        "load_s": load_s,
        "cached_load_s": cached_s,
        "snap_s": snap_s,
        "matrix_s": matrix_s,
        "networkx_s": networkx_s,
        "asymmetric_cells": int((matrix != matrix.T).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=500)
    parser.add_argument("--extracts", default="liechtenstein-latest,north-bayreuth")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    folder = require_shared("osm")
    print(f"# {machine()}")
    results = []
    for name in [n.strip() for n in args.extracts.split(",") if n.strip()]:
        r = measure(folder / f"{name}.osm.pbf", args.points, args.seed)
        results.append((name, r))
        print(
            f"{name}: nodes={r['nodes']} edges={r['edges']} load_s={r['load_s']:.2f} "
            f"cached_load_s={r['cached_load_s']:.2f} snap_s={r['snap_s']:.4f} matrix_s={r['matrix_s']:.3f} "
            f"networkx_s={r['networkx_s']:.2f} speedup={r['networkx_s'] / r['matrix_s']:.1f} "
            f"asymmetric_cells={r['asymmetric_cells']} peak_rss_mb={peak_rss_mb():.0f}"
        )
    name, first = results[0]
    print(
        f"RESULT points={args.points} extract={name} nodes={first['nodes']} matrix_s={first['matrix_s']:.3f} "
        f"networkx_s={first['networkx_s']:.2f} speedup={first['networkx_s'] / first['matrix_s']:.1f} "
        f"peak_rss_mb={peak_rss_mb():.0f}"
    )


if __name__ == "__main__":
    main()
