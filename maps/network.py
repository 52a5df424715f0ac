"""Road networks from OSM: load (PBF, OSM XML, GraphML cache), per travel mode, ready for routing.

A RoadNetwork keeps the osmnx-compatible graph (for geometry and maps) and, for speed, a compressed
sparse row matrix of edge travel times (parallel edges collapsed to the fastest) and a KD-tree of node
positions for snapping.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import networkx as nx
import numpy as np
import numpy.typing as npt
import osmnx as ox
import pyrosm
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree
from shapely.geometry import Polygon

from maps.errors import ExtractError
from maps.modes import NORWEGIAN_DEFAULT_SPEEDS_KMH, TravelMode, travel_mode

BBox = tuple[float, float, float, float]  # west, south, east, north
METRES_PER_DEGREE_LAT = 110_540.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0


@dataclass
class RoadNetwork:
    """One mode's routable network of one area."""

    name: str
    mode: TravelMode
    graph: nx.MultiDiGraph
    key: str
    node_ids: npt.NDArray[np.int64] = field(init=False)
    lat: npt.NDArray[np.float64] = field(init=False)
    lon: npt.NDArray[np.float64] = field(init=False)
    travel_time: csr_matrix = field(init=False)
    length: csr_matrix = field(init=False)
    tree: cKDTree = field(init=False)
    lat0: float = field(init=False)

    def __post_init__(self) -> None:
        nodes = list(self.graph.nodes)
        if not nodes:
            raise ExtractError(f"network '{self.name}' ({self.mode.name}) has no roads")
        self.node_ids = np.asarray(nodes, dtype=np.int64)
        index = {n: i for i, n in enumerate(nodes)}
        self.lat = np.asarray([float(self.graph.nodes[n]["y"]) for n in nodes])
        self.lon = np.asarray([float(self.graph.nodes[n]["x"]) for n in nodes])
        self.lat0 = float(np.mean(self.lat))
        rows, cols, times, lengths = [], [], [], []
        for u, v, data in self.graph.edges(data=True):
            rows.append(index[u])
            cols.append(index[v])
            times.append(float(data["travel_time"]))
            lengths.append(float(data["length"]))
        self.travel_time = _min_csr(np.asarray(rows), np.asarray(cols), np.asarray(times), len(nodes))
        self.length = _min_csr(np.asarray(rows), np.asarray(cols), np.asarray(lengths), len(nodes))
        self.tree = cKDTree(self.project(self.lat, self.lon))

    def project(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Local equirectangular metres: exact enough for snapping within a municipality."""
        lat_a, lon_a = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        x = lon_a * METRES_PER_DEGREE_LON_AT_EQUATOR * np.cos(np.radians(self.lat0))
        y = lat_a * METRES_PER_DEGREE_LAT
        return np.column_stack([x, y])

    @property
    def bounds(self) -> BBox:
        return (float(self.lon.min()), float(self.lat.min()), float(self.lon.max()), float(self.lat.max()))


def _min_csr(rows: npt.NDArray[Any], cols: npt.NDArray[Any], values: npt.NDArray[Any], n: int) -> csr_matrix:
    """A sparse matrix keeping the smallest value of parallel edges (csr_matrix would add them)."""
    order = np.lexsort((values, cols, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return csr_matrix((values[first], (rows[first], cols[first])), shape=(n, n))


def _add_travel_times(graph: nx.MultiDiGraph, mode: TravelMode) -> nx.MultiDiGraph:
    if mode.speed_kmh is None:
        graph = ox.routing.add_edge_speeds(graph, hwy_speeds=NORWEGIAN_DEFAULT_SPEEDS_KMH, fallback=40)
        return cast(nx.MultiDiGraph, ox.routing.add_edge_travel_times(graph))
    for _, _, data in graph.edges(data=True):
        data["speed_kph"] = mode.speed_kmh
        data["travel_time"] = float(data["length"]) / mode.speed_ms
    return graph


def _from_pbf(path: Path, mode: TravelMode, bbox: BBox | None, polygon: Polygon | None) -> nx.MultiDiGraph:
    clip = polygon if polygon is not None else (list(bbox) if bbox else None)
    try:
        osm = pyrosm.OSM(str(path), bounding_box=clip)
        nodes, edges = osm.get_network(network_type=mode.pyrosm_network, nodes=True)
    except Exception as exc:  # pyrosm raises bare errors for corrupt or foreign files
        raise ExtractError(
            f"could not read {path} as an OSM PBF file ({exc}); check the file or download it again"
        ) from exc
    if edges is None or len(edges) == 0:
        where = f" inside bbox {bbox}" if bbox else (" inside the polygon" if polygon is not None else "")
        raise ExtractError(f"{path} has no {mode.name} roads{where}; check the bounding box (W,S,E,N)")
    graph = osm.to_graph(nodes, edges, graph_type="networkx", osmnx_compatible=True, simplify=False)
    return cast(nx.MultiDiGraph, graph)


def _largest_component(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Every node can reach every other: a visit snapped to an island would be unreachable."""
    largest = max(nx.strongly_connected_components(graph), key=len)
    return cast(nx.MultiDiGraph, graph.subgraph(largest).copy())


def cache_key(source: Path, mode: str, bbox: BBox | None, polygon: Polygon | None = None) -> str:
    stat = source.stat()
    shape = polygon.wkt if polygon is not None else ""
    raw = f"{source.resolve()}|{stat.st_size}|{int(stat.st_mtime)}|{mode}|{bbox}|{shape}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def load_network(
    source: Path,
    mode: str = "car",
    *,
    bbox: BBox | None = None,
    polygon: Polygon | None = None,
    cache_dir: Path | None = None,
    name: str | None = None,
) -> RoadNetwork:
    """The mode's network from a .osm.pbf, .osm/.xml or .graphml file, cached as GraphML when asked.

    `bbox` (W, S, E, N) or `polygon` clip the area; a road crossing the boundary is kept up to its next node.

    A failed build never touches the cache: the GraphML is written to a temporary file and renamed.
    """
    travel = travel_mode(mode)
    source = Path(source)
    if not source.is_file():
        raise ExtractError(f"OSM file {source} does not exist; give the path to a .osm.pbf extract")
    label = name or source.name.split(".")[0]
    key = cache_key(source, travel.name, bbox, polygon)
    cached = cache_dir / f"{label}-{travel.name}-{key}.graphml" if cache_dir else None
    if cached is not None and cached.is_file():
        return RoadNetwork(label, travel, _routing_graph(cached) or ox.load_graphml(cached), key)
    suffix = "".join(source.suffixes[-2:]).lower()
    if suffix.endswith(".pbf"):
        graph = _from_pbf(source, travel, bbox, polygon)
    elif suffix.endswith((".osm", ".xml")):
        try:
            graph = ox.graph_from_xml(source, simplify=False, retain_all=True)
        except Exception as exc:
            raise ExtractError(f"could not read {source} as OSM XML ({exc})") from exc
        if bbox:
            graph = ox.truncate.truncate_graph_bbox(graph, bbox)
        if polygon is not None:
            graph = ox.truncate.truncate_graph_polygon(graph, polygon)
    elif suffix.endswith(".graphml"):
        graph = _routing_graph(source) or ox.load_graphml(source)
    else:
        raise ExtractError(f"{source}: unknown format; give a .osm.pbf, .osm/.xml or .graphml file")
    if "travel_time" not in next(iter(graph.edges(data=True)), (0, 0, {}))[2]:
        graph = _add_travel_times(graph, travel)
    graph = _largest_component(graph)
    network = RoadNetwork(label, travel, graph, key)
    if cached is not None:
        save_network(network, cached)
    return network


def load_network_by_place(place: str | BBox, mode: str = "car") -> RoadNetwork:
    """The mode's network of a named place or a bounding box (W, S, E, N) through osmnx; needs internet.

    Without internet this fails with a message saying to give a PBF extract instead.
    """
    travel = travel_mode(mode)
    try:
        if isinstance(place, str):
            graph = ox.graph_from_place(place, network_type=travel.osmnx_network, simplify=False)
        else:
            graph = ox.graph_from_bbox(place, network_type=travel.osmnx_network, simplify=False)
    except Exception as exc:  # requests' connection errors, Nominatim "no result", Overpass errors
        raise ExtractError(
            f"could not fetch the road network of '{place}' from OpenStreetMap ({type(exc).__name__}); "
            "this server may have no internet: download the municipality's extract (e.g. from Geofabrik) "
            "and use `hjemmerute network import --pbf FILE`"
        ) from exc
    return RoadNetwork(
        str(place), travel, _largest_component(_add_travel_times(graph, travel)), f"place:{place}"
    )


def routing_sidecar(path: Path) -> Path:
    """The compact routing copy written beside a GraphML network (`save_network`)."""
    return path.with_suffix(".routing.npz")


def _routing_graph(graphml: Path) -> nx.MultiDiGraph | None:
    """The graph from the routing copy, when one at least as new as the GraphML lies beside it. It holds
    what routing and snapping read (node positions, edge travel times and lengths) and loads in a fraction
    of a second where parsing GraphML takes several (a planning worker's first plan waits for it). A stale
    or unreadable copy is ignored: the GraphML stays the network of record."""
    sidecar = routing_sidecar(graphml)
    try:
        if sidecar.stat().st_mtime < graphml.stat().st_mtime:
            return None
        with np.load(sidecar, allow_pickle=False) as data:
            nodes, x, y = data["nodes"], data["x"], data["y"]
            u, v, times, lengths = data["u"], data["v"], data["travel_time"], data["length"]
    except (OSError, KeyError, ValueError):
        return None
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    graph.add_nodes_from(
        (int(n), {"x": float(a), "y": float(b)}) for n, a, b in zip(nodes, x, y, strict=True)
    )
    graph.add_edges_from(
        (int(a), int(b), {"travel_time": float(t), "length": float(m)})
        for a, b, t, m in zip(u, v, times, lengths, strict=True)
    )
    return graph


def _write_atomically(path: Path, suffix: str, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def save_network(network: RoadNetwork, path: Path) -> None:
    """Write a network as GraphML, and its routing copy beside it, atomically: a failed write leaves any
    earlier file as it was (the copy is written last, so it is never newer than a GraphML it does not match)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, ".graphml.tmp", lambda tmp: ox.save_graphml(network.graph, tmp))
    edges = list(network.graph.edges(data=True))

    def write_copy(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            np.savez(
                handle,
                nodes=network.node_ids,
                x=network.lon,
                y=network.lat,
                u=np.asarray([a for a, _, _ in edges], dtype=np.int64),
                v=np.asarray([b for _, b, _ in edges], dtype=np.int64),
                travel_time=np.asarray([float(d["travel_time"]) for _, _, d in edges]),
                length=np.asarray([float(d["length"]) for _, _, d in edges]),
            )

    _write_atomically(routing_sidecar(path), ".npz.tmp", write_copy)
