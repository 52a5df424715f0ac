"""Road travel times for the simulated carers: the same networks and matrices the planner uses, so the
simulated day drives the roads the plan was made on (the noise is added by Draws)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.carers.models import Carer
from backend.planning import networks
from backend.recipients.models import Recipient
from backend.settings import Settings
from backend.teams.models import Team
from maps import Point, travel_time_matrix


class RoadTimes:
    """Seconds between a carer's base or a recipient and a recipient, by the carer's travel mode."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.settings = settings
        carers = list(session.exec(select(Carer)))
        self.mode = {c.id or 0: c.transport_mode.value for c in carers}
        self.team = {c.id or 0: c.team_id for c in carers}
        teams = list(session.exec(select(Team).order_by(col(Team.id))))
        people = list(session.exec(select(Recipient).order_by(col(Recipient.id))))
        self.index: dict[tuple[str, int], int] = {}
        points: list[Point] = []
        for team in teams:
            self.index[("base", team.id or 0)] = len(points)
            points.append(Point(team.base_lat, team.base_lon, team.name))
        for person in people:
            self.index[("recipient", person.id or 0)] = len(points)
            points.append(Point(person.lat, person.lon, person.address))
        self.points = points
        self.matrices: dict[str, object] = {}

    def __call__(self, carer_id: int, from_recipient: int | None, to_recipient: int) -> int:
        mode = self.mode[carer_id]
        if mode not in self.matrices:
            self.matrices[mode] = travel_time_matrix(networks.network_for(self.settings, mode), self.points)
        origin = (
            self.index[("base", self.team[carer_id])]
            if from_recipient is None
            else self.index[("recipient", from_recipient)]
        )
        matrix = self.matrices[mode]
        return int(matrix[origin, self.index[("recipient", to_recipient)]])  # type: ignore[index]
