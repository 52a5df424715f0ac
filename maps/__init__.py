"""Road networks and places from OpenStreetMap (© OpenStreetMap contributors, ODbL)."""

from maps.osm_extract import AddressPoint, addressed_buildings, bundled_extract_path

__all__ = ["AddressPoint", "addressed_buildings", "bundled_extract_path"]
