"""Travel modes and their speeds: car (OSM maxspeed, Norwegian defaults where missing), walk and bike."""

from __future__ import annotations

from dataclasses import dataclass

from maps.errors import UnknownModeError

# km/h where an OSM way has no maxspeed: Norway's general limits (50 in built-up areas, 80 outside),
# with lower values where home-care driving actually happens (residential streets, service roads).
NORWEGIAN_DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100,
    "motorway_link": 60,
    "trunk": 80,
    "trunk_link": 50,
    "primary": 70,
    "primary_link": 50,
    "secondary": 60,
    "secondary_link": 40,
    "tertiary": 50,
    "tertiary_link": 40,
    "unclassified": 50,
    "residential": 30,
    "living_street": 8,
    "service": 20,
    "road": 40,
    "track": 20,
}


@dataclass(frozen=True)
class TravelMode:
    """How a carer moves: which OSM network, how fast, and the overhead at every stop."""

    name: str
    pyrosm_network: str
    osmnx_network: str
    speed_kmh: float | None  # None: per-edge speeds from OSM (car)
    stop_overhead_s: int  # parking and walking to the door (car), locking the bike, finding the door

    @property
    def speed_ms(self) -> float:
        assert self.speed_kmh is not None
        return self.speed_kmh / 3.6


MODES: dict[str, TravelMode] = {
    "car": TravelMode("car", "driving", "drive", None, 180),
    "walk": TravelMode("walk", "walking", "walk", 4.7, 30),
    "bike": TravelMode("bike", "cycling", "bike", 15.0, 60),
}


def travel_mode(name: str) -> TravelMode:
    try:
        return MODES[name]
    except KeyError:
        raise UnknownModeError(f"unknown travel mode '{name}'; use one of: {', '.join(MODES)}") from None
