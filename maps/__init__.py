"""Road networks and places from OpenStreetMap (© OpenStreetMap contributors, ODbL)."""

from maps.errors import ExtractError, MapError, SnapError, UnknownModeError, UnreachableError
from maps.matrix import DEFAULT_MAX_SNAP_M, Point, distance_matrix, route_geometry, snap, travel_time_matrix
from maps.modes import MODES, TravelMode, travel_mode
from maps.network import RoadNetwork, load_network, load_network_by_place, save_network
from maps.osm_extract import AddressPoint, addressed_buildings, bundled_extract_path
from maps.render import network_lines

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "MODES",
    "AddressPoint",
    "ExtractError",
    "MapError",
    "Point",
    "RoadNetwork",
    "SnapError",
    "TravelMode",
    "UnknownModeError",
    "UnreachableError",
    "addressed_buildings",
    "bundled_extract_path",
    "distance_matrix",
    "load_network",
    "load_network_by_place",
    "network_lines",
    "route_geometry",
    "save_network",
    "snap",
    "travel_mode",
    "travel_time_matrix",
]
