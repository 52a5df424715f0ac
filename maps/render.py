"""A coordinator's map of a plan (folium) that works without internet.

Leaflet and jQuery (which folium's popups use) come from the xstatic-leaflet and xstatic-jquery packages,
served by the app under /static/leaflet and /static/jquery; no CDN is referenced. Without a configured tile server the road network itself is drawn as the base layer. Every
map carries the "© OpenStreetMap contributors" attribution (ODbL).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import xstatic.pkg.jquery as xstatic_jquery
import xstatic.pkg.leaflet as xstatic_leaflet
from branca.element import MacroElement
from jinja2 import Template

from maps.network import RoadNetwork

STATIC_URL_PREFIX = "/static"
ATTRIBUTION = "&copy; OpenStreetMap contributors"
COLOURS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
]


def static_asset_dirs() -> dict[str, Path]:
    """URL folder → directory on disk of the browser assets the maps need (installed with the project)."""
    return {"leaflet": Path(xstatic_leaflet.BASE_DIR), "jquery": Path(xstatic_jquery.BASE_DIR)}


@dataclass(frozen=True)
class MapStop:
    lat: float
    lon: float
    label: str
    window: str  # "08:00–09:00"
    planned: str  # "08:12"


@dataclass(frozen=True)
class MapRoute:
    carer: str
    stops: Sequence[MapStop]
    geometry: dict[str, Any] | None = None  # GeoJSON from maps.route_geometry


@dataclass(frozen=True)
class MapUnassigned:
    lat: float
    lon: float
    label: str
    reason: str


@dataclass(frozen=True)
class MapOptions:
    tile_url: str | None = None
    tile_attribution: str = ATTRIBUTION
    asset_prefix: str = STATIC_URL_PREFIX
    draw_network: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def network_lines(
    network: RoadNetwork, bounds: tuple[float, float, float, float] | None = None
) -> dict[str, Any]:
    """The road network as one GeoJSON MultiLineString (each road once), optionally only the roads touching
    (south, west, north, east): the offline base layer of every map, so no tile server is needed."""
    lines = []
    for a, b in zip(*network.travel_time.nonzero(), strict=True):
        if not (a < b or network.travel_time[b, a] == 0):
            continue
        if bounds is not None:
            south, west, north, east = bounds
            if not any(south <= network.lat[n] <= north and west <= network.lon[n] <= east for n in (a, b)):
                continue
        lines.append(
            [[float(network.lon[a]), float(network.lat[a])], [float(network.lon[b]), float(network.lat[b])]]
        )
    return {
        "type": "Feature",
        "properties": {"attribution": ATTRIBUTION},
        "geometry": {"type": "MultiLineString", "coordinates": lines},
    }


def _network_layer(network: RoadNetwork) -> folium.GeoJson:
    return folium.GeoJson(
        network_lines(network),
        name="Veinett",
        style_function=lambda _: {"color": "#9aa0a6", "weight": 1.5, "opacity": 0.8},
    )


class _MetricScale(MacroElement):
    """Leaflet's scale bar in metres only (folium's `control_scale` adds feet and miles)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"


def _legend(routes: Sequence[MapRoute], unassigned: Sequence[MapUnassigned]) -> folium.Element:
    """Which colour is which carer, and the red dot for visits not assigned."""
    rows = [
        f'<div><span style="display:inline-block;width:14px;height:4px;background:{COLOURS[i % len(COLOURS)]};'
        f'vertical-align:middle;margin-right:4px"></span>{html.escape(route.carer)}</div>'
        for i, route in enumerate(routes)
    ]
    if unassigned:
        rows.append(
            '<div><span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
            'background:#b00020;vertical-align:middle;margin-right:4px"></span>Ikke tildelt</div>'
        )
    return folium.Element(
        '<div class="hr-legend" style="position:fixed;top:8px;right:8px;z-index:1000;background:#fffe;'
        'font:12px sans-serif;padding:4px 8px;border-radius:4px;box-shadow:0 1px 3px #0004">'
        + "".join(rows)
        + "</div>"
    )


def plan_map(
    network: RoadNetwork,
    routes: Sequence[MapRoute],
    unassigned: Sequence[MapUnassigned] = (),
    options: MapOptions | None = None,
) -> folium.Map:
    """One colour per carer, numbered stops with window and planned time, unassigned visits in red."""
    opts = options or MapOptions()
    west, south, east, north = network.bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=14,
        tiles=opts.tile_url,
        attr=opts.tile_attribution if opts.tile_url else None,
        control_scale=False,
    )
    fmap.add_child(_MetricScale())
    fmap.default_js = [
        ("leaflet", f"{opts.asset_prefix}/leaflet/leaflet.js"),
        ("jquery", f"{opts.asset_prefix}/jquery/jquery.min.js"),
    ]
    fmap.default_css = [("leaflet_css", f"{opts.asset_prefix}/leaflet/leaflet.css")]
    if opts.tile_url is None and opts.draw_network:
        _network_layer(network).add_to(fmap)
    for number, route in enumerate(routes):
        colour = COLOURS[number % len(COLOURS)]
        if route.geometry is not None:
            folium.GeoJson(
                route.geometry, name=route.carer, style_function=lambda _, c=colour: {"color": c, "weight": 4}
            ).add_to(fmap)
        for index, stop in enumerate(route.stops, start=1):
            popup = (
                f"<b>{html.escape(route.carer)}</b> – besøk {index}<br>{html.escape(stop.label)}<br>"
                f"Avtalt {html.escape(stop.window)}, planlagt {html.escape(stop.planned)}"
            )
            folium.Marker(
                [stop.lat, stop.lon],
                popup=folium.Popup(popup, max_width=260),
                icon=folium.DivIcon(
                    html=(
                        f'<div style="background:{colour};color:#fff;border-radius:50%;width:22px;height:22px;'
                        f'text-align:center;font:bold 12px/22px sans-serif">{index}</div>'
                    ),
                    icon_size=(22, 22),
                    icon_anchor=(11, 11),
                ),
            ).add_to(fmap)
    for visit in unassigned:
        folium.CircleMarker(
            [visit.lat, visit.lon],
            radius=9,
            color="#b00020",
            fill=True,
            fill_opacity=0.9,
            popup=folium.Popup(
                f"<b>Ikke tildelt</b><br>{html.escape(visit.label)}<br>{html.escape(visit.reason)}",
                max_width=260,
            ),
        ).add_to(fmap)
    places = [[s.lat, s.lon] for r in routes for s in r.stops] + [[u.lat, u.lon] for u in unassigned]
    if places:
        fmap.fit_bounds(places, padding=(30, 30))
    root: Any = fmap.get_root()  # a branca Figure
    root.html.add_child(_legend(routes, unassigned))
    root.html.add_child(
        folium.Element(
            f'<div class="hr-attribution" style="position:fixed;bottom:18px;right:4px;z-index:1000;'
            f'background:#fffc;font:11px sans-serif;padding:1px 4px">{ATTRIBUTION}</div>'
        )
    )
    return fmap
