"""Snapping points to a network, travel-time and distance matrices, and route geometry.

Matrices run scipy's Dijkstra from the unique snapped nodes, in chunks so that memory stays small on a
large network, and are cached per (network, weight, node set). One-way streets make them asymmetric.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra

from maps.errors import SnapError, UnreachableError
from maps.network import RoadNetwork

DEFAULT_MAX_SNAP_M = 300.0
SOURCE_CHUNK = 64
_CACHE_SIZE = 16
_CACHE: OrderedDict[tuple[str, str, tuple[int, ...]], npt.NDArray[np.int32]] = OrderedDict()


@dataclass(frozen=True)
class Point:
    """A place to visit; `label` names it in errors (recipient or address, never health data)."""

    lat: float
    lon: float
    label: str = ""


@dataclass(frozen=True)
class Snapped:
    node_index: int
    distance_m: float


def snap(
    network: RoadNetwork, points: Sequence[Point], max_distance_m: float = DEFAULT_MAX_SNAP_M
) -> list[Snapped]:
    """The nearest network node of each point; a point too far from a road is an error naming it."""
    if not points:
        return []
    west, south, east, north = network.bounds
    margin = max_distance_m / 111_000
    for p in points:
        if not (south - margin <= p.lat <= north + margin and west - margin <= p.lon <= east + margin):
            raise SnapError(
                f"{p.label or 'point'} ({p.lat:.5f}, {p.lon:.5f}) lies outside the area of network "
                f"'{network.name}'; check the coordinates or import a larger extract"
            )
    distances, nodes = network.tree.query(network.project([p.lat for p in points], [p.lon for p in points]))
    result = []
    for p, d, n in zip(points, distances, nodes, strict=True):
        if d > max_distance_m:
            raise SnapError(
                f"{p.label or 'point'} ({p.lat:.5f}, {p.lon:.5f}) is {d:.0f} m from the nearest "
                f"{network.mode.name} road (limit {max_distance_m:.0f} m); check the address coordinates"
            )
        result.append(Snapped(int(n), float(d)))
    return result


def _node_matrix(network: RoadNetwork, nodes: tuple[int, ...], weight: str) -> npt.NDArray[np.int32]:
    """Whole seconds ("time", rounded up) or metres ("length", shortest distance) between nodes."""
    key = (network.key, f"{network.mode.name}/{weight}", nodes)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    graph = network.travel_time if weight == "time" else network.length
    unique = np.asarray(nodes, dtype=np.int64)
    values = np.empty((len(unique), len(unique)), dtype=np.float64)
    for start in range(0, len(unique), SOURCE_CHUNK):
        chunk = unique[start : start + SOURCE_CHUNK]
        values[start : start + len(chunk)] = dijkstra(graph, directed=True, indices=chunk)[:, unique]
    if not np.isfinite(values).all():
        raise UnreachableError(f"some points cannot reach each other in network '{network.name}'")
    result = (np.ceil(values) if weight == "time" else np.rint(values)).astype(np.int32)
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def _snapped_indices(
    network: RoadNetwork, points: Sequence[Point], max_snap_m: float
) -> tuple[tuple[int, ...], npt.NDArray[np.int64]]:
    snapped = snap(network, points, max_snap_m)
    unique = tuple(sorted({s.node_index for s in snapped}))
    position = {n: i for i, n in enumerate(unique)}
    return unique, np.asarray([position[s.node_index] for s in snapped], dtype=np.int64)


def travel_time_matrix(
    network: RoadNetwork,
    points: Sequence[Point],
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    stop_overhead_s: int | None = None,
) -> npt.NDArray[np.int32]:
    """Seconds between every pair of points (int32, zero diagonal, asymmetric where one-way streets are);
    a leg to another place adds the mode's stop overhead (parking, walking to the door)."""
    unique, idx = _snapped_indices(network, points, max_snap_m)
    seconds = _node_matrix(network, unique, "time")[np.ix_(idx, idx)]
    overhead = network.mode.stop_overhead_s if stop_overhead_s is None else stop_overhead_s
    seconds[idx[:, None] != idx[None, :]] += overhead
    return seconds


def distance_matrix(
    network: RoadNetwork, points: Sequence[Point], *, max_snap_m: float = DEFAULT_MAX_SNAP_M
) -> npt.NDArray[np.int32]:
    """Metres of the shortest road distance between every pair of points (int32)."""
    unique, idx = _snapped_indices(network, points, max_snap_m)
    return _node_matrix(network, unique, "length")[np.ix_(idx, idx)]


def route_geometry(network: RoadNetwork, points: Sequence[Point]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one LineString along the fastest roads per pair of consecutive stops."""
    snapped = snap(network, points)
    features = []
    for leg, (a, b) in enumerate(itertools.pairwise(snapped)):
        _, pred = dijkstra(network.travel_time, directed=True, indices=a.node_index, return_predecessors=True)
        path, node = [b.node_index], b.node_index
        while node != a.node_index:
            node = int(pred[node])
            if node < 0:
                raise UnreachableError(
                    f"{points[leg + 1].label or 'stop'} cannot be reached from the stop before"
                )
            path.append(node)
        path.reverse()
        coordinates = [[points[leg].lon, points[leg].lat]]
        coordinates += [[float(network.lon[n]), float(network.lat[n])] for n in path]
        coordinates.append([points[leg + 1].lon, points[leg + 1].lat])
        features.append(
            {
                "type": "Feature",
                "properties": {"leg": leg, "from": points[leg].label, "to": points[leg + 1].label},
                "geometry": {"type": "LineString", "coordinates": coordinates},
            }
        )
    return {"type": "FeatureCollection", "features": features}
