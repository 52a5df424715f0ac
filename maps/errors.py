"""Errors of the map layer: each names the file, point or mode and says what to do."""


class MapError(Exception):
    """Base of every error raised by maps/."""


class ExtractError(MapError):
    """An OSM extract is missing, unreadable or holds nothing usable."""


class UnknownModeError(MapError):
    """A travel mode other than car, walk or bike."""


class SnapError(MapError):
    """A point is too far from the road network, or outside the network's area."""


class UnreachableError(MapError):
    """Two points are not connected in the mode's network."""
