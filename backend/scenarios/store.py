"""Where a scenario comes from (the extract's reachable addressed buildings) and where it goes (the
database, through the same services the API uses, so every row passes the same validation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session

from backend.auth.service import Principal
from backend.carers.models import CarerCreate
from backend.carers.service import create_carer
from backend.common.enums import Role
from backend.decisions.models import DecisionCreate
from backend.decisions.service import create_decision
from backend.municipality.models import MunicipalitySettings
from backend.recipients.models import RecipientCreate
from backend.recipients.service import create_recipient
from backend.rota.models import RotaEntryCreate
from backend.rota.service import add_rota_entry
from backend.scenarios.generator import Scenario
from backend.teams.models import Team
from maps import AddressPoint, RoadNetwork, addressed_buildings


def reachable_places(pbf: Path, network: RoadNetwork, max_distance_m: float = 150.0) -> list[AddressPoint]:
    """Addressed buildings of the extract within `max_distance_m` of a road of the network."""
    places = addressed_buildings(pbf)
    if not places:
        return []
    distances, _ = network.tree.query(network.project([p.lat for p in places], [p.lon for p in places]))
    west, south, east, north = network.bounds
    return [
        p
        for p, d in zip(places, distances, strict=True)
        if d <= max_distance_m and south <= p.lat <= north and west <= p.lon <= east
    ]


def store(session: Session, scenario: Scenario) -> dict[str, int]:
    """Write the scenario into the database in one transaction; returns what was created."""
    session.merge(MunicipalitySettings(id=1, **scenario.municipality))
    teams: dict[int, int] = {}
    for team in scenario.teams:
        row = Team(**{k: v for k, v in team.items() if k != "key"})
        session.add(row)
        session.flush()
        teams[team["key"]] = row.id or 0
    system = Principal(0, "scenario", Role.coordinator, frozenset(teams.values()), None)
    carers: dict[int, int] = {}
    for carer in scenario.carers:
        data: dict[str, Any] = {k: v for k, v in carer.items() if k not in ("key", "team")}
        created = create_carer(
            session, principal=system, commit=False, data=CarerCreate(**data, team_id=teams[carer["team"]])
        )
        carers[carer["key"]] = created.id or 0
    for entry in scenario.rota:
        fields = {k: v for k, v in entry.items() if k != "carer"}
        add_rota_entry(
            session,
            principal=system,
            commit=False,
            data=RotaEntryCreate(**fields, carer_id=carers[entry["carer"]]),
        )
    recipients: dict[int, int] = {}
    for person in scenario.recipients:
        fields = {k: v for k, v in person.items() if k not in ("key", "team", "primary_carer")}
        primary = carers.get(person["primary_carer"]) if person["primary_carer"] is not None else None
        created_recipient = create_recipient(
            session,
            principal=system,
            commit=False,
            data=RecipientCreate(**fields, team_id=teams[person["team"]], primary_carer_id=primary),
        )
        recipients[person["key"]] = created_recipient.id or 0
    for decision in scenario.decisions:
        fields = {k: v for k, v in decision.items() if k != "recipient"}
        create_decision(
            session,
            principal=system,
            commit=False,
            data=DecisionCreate.model_validate({**fields, "recipient_id": recipients[decision["recipient"]]}),
        )
    session.commit()
    return {
        "teams": len(teams),
        "carers": len(carers),
        "rota": len(scenario.rota),
        "recipients": len(recipients),
        "decisions": len(scenario.decisions),
    }
