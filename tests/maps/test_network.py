"""Road networks from real OSM extracts: matrices agree with networkx, one-way streets, snapping, geometry,
and clear errors for bad input."""

from __future__ import annotations

import math
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from maps import (
    ExtractError,
    Point,
    SnapError,
    UnknownModeError,
    addressed_buildings,
    bundled_extract_path,
    distance_matrix,
    load_network,
    route_geometry,
    save_network,
    travel_time_matrix,
)
from maps.network import RoadNetwork, routing_sidecar
from tests.conftest import IN_CI, SHARED

OSM = SHARED / "osm"


@pytest.fixture(scope="module")
def helsinki_car() -> RoadNetwork:
    return load_network(bundled_extract_path(), "car")


@pytest.fixture(scope="module")
def addresses() -> list[Point]:
    return [Point(a.lat, a.lon, a.label) for a in addressed_buildings(bundled_extract_path())[:40]]


def _shared(name: str) -> Path:
    path = OSM / name
    if not path.is_file():
        if IN_CI:
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} is absent: put ../shared beside the project to test on the shared extracts")
    return path


def _networkx_seconds(network: RoadNetwork, a: int, b: int) -> int:
    """The reference: networkx Dijkstra over the same graph, parallel edges at their fastest."""
    source, target = int(network.node_ids[a]), int(network.node_ids[b])
    return math.ceil(nx.shortest_path_length(network.graph, source, target, weight="travel_time"))


def _check_against_networkx(network: RoadNetwork, points: list[Point]) -> np.ndarray:
    seconds = travel_time_matrix(network, points, stop_overhead_s=0)
    assert seconds.dtype == np.int32 and (np.diag(seconds) == 0).all()
    nodes = network.tree.query(network.project([p.lat for p in points], [p.lon for p in points]))[1]
    rng = np.random.default_rng(3)
    for i, j in rng.integers(0, len(points), size=(25, 2)):
        if nodes[i] != nodes[j]:
            assert seconds[i, j] == _networkx_seconds(network, int(nodes[i]), int(nodes[j]))
    return seconds


def test_bundled_extract_car_matrix_equals_networkx_and_has_one_way_asymmetry(
    helsinki_car: RoadNetwork, addresses: list[Point]
) -> None:
    seconds = _check_against_networkx(helsinki_car, addresses)
    assert (seconds != seconds.T).any(), "Helsinki centre has one-way streets; the car matrix must show them"
    with_overhead = travel_time_matrix(helsinki_car, addresses)
    nodes = helsinki_car.tree.query(
        helsinki_car.project([p.lat for p in addresses], [p.lon for p in addresses])
    )[1]
    other_place = nodes[:, None] != nodes[None, :]
    assert (with_overhead[other_place] - seconds[other_place] == 180).all()  # car stop overhead
    assert (with_overhead[~other_place] == seconds[~other_place]).all()  # same door: no parking again


def test_walking_ignores_one_way_and_is_slower_than_cycling(addresses: list[Point]) -> None:
    walk = load_network(bundled_extract_path(), "walk")
    bike = load_network(bundled_extract_path(), "bike")
    walk_s = travel_time_matrix(walk, addresses, stop_overhead_s=0)
    assert (walk_s == walk_s.T).all()
    walk_m = distance_matrix(walk, addresses)
    # 4.7 km/h: seconds ≈ metres / 1.306 (rounded up per path)
    assert np.allclose(walk_s, walk_m / (4.7 / 3.6), atol=2)
    bike_s = travel_time_matrix(bike, addresses, stop_overhead_s=0)
    assert bike_s.sum() < walk_s.sum()


def test_geometry_follows_the_roads_from_stop_to_stop(
    helsinki_car: RoadNetwork, addresses: list[Point]
) -> None:
    stops = addresses[:4]
    geo = route_geometry(helsinki_car, stops)
    assert [f["properties"]["leg"] for f in geo["features"]] == [0, 1, 2]
    for leg, feature in enumerate(geo["features"]):
        coords = feature["geometry"]["coordinates"]
        assert coords[0] == [stops[leg].lon, stops[leg].lat]
        assert coords[-1] == [stops[leg + 1].lon, stops[leg + 1].lat]
        assert len(coords) >= 3


def test_points_off_the_network_are_errors_naming_them(helsinki_car: RoadNetwork) -> None:
    with pytest.raises(SnapError, match=r"Bruker Havet.*outside the area"):
        travel_time_matrix(helsinki_car, [Point(60.10, 24.95, "Bruker Havet")])  # the sea south of Helsinki
    west, south, _, _ = helsinki_car.bounds
    with pytest.raises(SnapError, match=r"Hytta .* m from the nearest car road \(limit 5 m\)"):
        travel_time_matrix(helsinki_car, [Point(south + 0.0005, west + 0.0005, "Hytta")], max_snap_m=5)


def test_bad_sources_give_clear_errors_and_leave_the_cache_alone(tmp_path: Path) -> None:
    with pytest.raises(ExtractError, match="does not exist"):
        load_network(tmp_path / "mangler.osm.pbf")
    corrupt = tmp_path / "korrupt.osm.pbf"
    corrupt.write_bytes(b"this is not a protobuf file" * 100)
    cache = tmp_path / "cache"
    good = load_network(bundled_extract_path(), "bike", cache_dir=cache)
    before = sorted(p.name for p in cache.iterdir())
    assert len(before) == 2 and before[0].endswith(".graphml") and before[1].endswith(".routing.npz")
    with pytest.raises(ExtractError, match=r"korrupt\.osm\.pbf"):
        load_network(corrupt, "bike", cache_dir=cache)
    with pytest.raises(ExtractError, match="no car roads inside bbox"):
        load_network(bundled_extract_path(), "car", bbox=(24.90, 60.10, 24.91, 60.11), cache_dir=cache)
    with pytest.raises(UnknownModeError, match="unknown travel mode 'boat'"):
        load_network(bundled_extract_path(), "boat")
    assert sorted(p.name for p in cache.iterdir()) == before
    again = load_network(bundled_extract_path(), "bike", cache_dir=cache)  # from the cache's routing copy
    assert again.graph.number_of_nodes() == good.graph.number_of_nodes()


def test_liechtenstein_car_network_is_strongly_connected_and_matches_networkx() -> None:
    network = load_network(_shared("liechtenstein-latest.osm.pbf"), "car", bbox=(9.50, 47.12, 9.55, 47.16))
    assert nx.is_strongly_connected(network.graph)
    rng = np.random.default_rng(11)
    picks = rng.choice(len(network.node_ids), size=30, replace=False)
    points = [Point(float(network.lat[i]), float(network.lon[i]), f"node {i}") for i in picks]
    _check_against_networkx(network, points)


def test_the_routing_copy_loads_the_same_network_and_a_stale_one_is_ignored(
    tmp_path: Path, helsinki_car: RoadNetwork, addresses: list[Point]
) -> None:
    """A saved network reloads from its compact routing copy with the same nodes and the same travel-time
    matrix as from GraphML; a copy older than the GraphML, or a broken one, is not used."""
    path = tmp_path / "helsinki-car.graphml"
    save_network(helsinki_car, path)
    sidecar = routing_sidecar(path)
    assert sidecar.is_file()
    fast = load_network(path, "car")
    assert len(fast.graph.edges) == len(helsinki_car.graph.edges)
    assert sorted(fast.node_ids.tolist()) == sorted(helsinki_car.node_ids.tolist())
    assert (travel_time_matrix(fast, addresses) == travel_time_matrix(helsinki_car, addresses)).all()

    sidecar.write_bytes(b"not a numpy archive")
    assert (
        travel_time_matrix(load_network(path, "car"), addresses)
        == travel_time_matrix(helsinki_car, addresses)
    ).all()
    save_network(helsinki_car, path)
    os.utime(sidecar, (1, 1))  # older than the GraphML: stale
    from_graphml = load_network(path, "car")
    assert "highway" in next(iter(from_graphml.graph.edges(data=True)))[2]  # the full GraphML was read
