"""The drives of a hand-laid kjøreliste on the roads the planner uses: from the team's base, between the
visits and back, as the solver counts a route's travel. A hand-laid list stored without them read as no
driving at all in the KPIs (travel share, drive minutes per visit)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sqlmodel import Session, col, select

from backend.carers.models import Carer
from backend.errors import Conflict
from backend.planning.networks import network_for
from backend.recipients.models import Recipient
from backend.settings import Settings
from backend.teams.models import Team
from maps import MapError, Point, travel_time_matrix


def hand_laid_drives(
    session: Session, settings: Settings, *, team_id: int, routes: Sequence[tuple[int, Sequence[int]]]
) -> dict[int, tuple[list[int], int]] | None:
    """For each (carer, recipients in visiting order): each visit's drive from the place before, and the
    route's whole drive with the way back to the base. None where the team's road network is not imported
    or a place lies off it: the list is then stored without drives, as before."""
    team = session.get(Team, team_id)
    carers = {c.id: c for c in session.exec(select(Carer).where(col(Carer.id).in_([c for c, _ in routes])))}
    wanted = sorted({r for _, recipients in routes for r in recipients})
    people = list(session.exec(select(Recipient).where(col(Recipient.id).in_(wanted))))
    if team is None or len(carers) < len({c for c, _ in routes}):
        return None
    points = [Point(team.base_lat, team.base_lon, team.name)] + [
        Point(p.lat, p.lon, p.address) for p in people
    ]
    index = {p.id: i + 1 for i, p in enumerate(people)}
    matrices: dict[str, npt.NDArray[np.int32]] = {}
    drives = {}
    for carer_id, recipients in routes:
        mode = carers[carer_id].transport_mode.value
        try:
            if mode not in matrices:
                matrices[mode] = travel_time_matrix(network_for(settings, mode), points)
        except (Conflict, MapError):
            return None
        places = [0, *(index[r] for r in recipients), 0]
        legs = [int(matrices[mode][a, b]) for a, b in itertools.pairwise(places)]
        drives[carer_id] = (legs[:-1], sum(legs) if recipients else 0)
    return drives
