"""A Lier-sized planning day on real OSM roads (Liechtenstein extract), through the product's planning service.

Until the scenario generator (issue 6) exists, this script builds the documented equivalent of a Lier day:
- 420 recipients at real addressed buildings of ../shared/osm/liechtenstein-latest.osm.pbf, split into four
  geographic teams (west/east halves, each split north/south); each team's base is its most central building;
- staff: 6 day carers and 4 evening carers per team (24 day, 16 evening), ~38% nurses, all by car;
  day 07:30-15:00 with a 30 min break 11-13, evening 15:00-22:30 with a break 18:00-19:30;
- vedtak: 1-4 visits a day per recipient (mean 1.65), every day for 60% of recipients and on three
  weekdays for the rest; durations 10-60 min (median ~20); agreed windows of 60 or 120 min at
  08-09, 12-14, 16-18 and 21-22 (soft: up to 2 h late is possible, and costed); lunch → dinner at least 3 h apart;
  ~5% double-staffed visits; medication/wound care need a nurse.

It measures: time to build the travel-time matrices; time to plan the whole day (day and evening shift, all
teams, matrices included, default solver time); time to re-plan one team after a carer calls in sick at 07:30;
unassigned visits; share of visits planned to start within their agreed window; and how many stops of carers
the sick call did not affect moved to another carer.

    python benchmarks/plan_day.py [--seed 7] [--recipients 420]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, SQLModel, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.auth.service import Principal
from backend.carers.models import CarerCreate
from backend.carers.service import create_carer
from backend.common.enums import Role, ShiftKind, TravelMode
from backend.common.localtime import local_instant
from backend.db import make_engine
from backend.decisions.models import DecisionCreate
from backend.decisions.service import create_decision
from backend.municipality.models import MunicipalitySettings
from backend.planning.commands import report_sick
from backend.planning.models import Plan
from backend.planning.service import publish_plan, routes_of
from backend.planning.solver_service import plan_teams, replan
from backend.recipients.models import Recipient, RecipientCreate
from backend.recipients.service import create_recipient
from backend.rota.models import RotaEntryCreate
from backend.rota.service import add_rota_entry
from backend.settings import Settings, activate
from backend.teams.models import Team
from benchmarks._common import machine, require_shared
from maps import (
    AddressPoint,
    MapError,
    Point,
    RoadNetwork,
    addressed_buildings,
    load_network,
    save_network,
    snap,
    travel_time_matrix,
)
from maps import matrix as matrix_module

DAY = dt.date(2026, 11, 24)  # a Tuesday
NETWORK = "liechtenstein"
SLOTS = {"morgen": ("08:00", 60), "lunsj": ("12:00", 120), "middag": ("16:00", 120), "kveld": ("21:00", 60)}


def _split(points: list[AddressPoint]) -> list[list[AddressPoint]]:
    by_lon = sorted(points, key=lambda p: p.lon)
    halves = [by_lon[: len(by_lon) // 2], by_lon[len(by_lon) // 2 :]]
    teams = []
    for half in halves:
        by_lat = sorted(half, key=lambda p: p.lat)
        teams += [by_lat[: len(by_lat) // 2], by_lat[len(by_lat) // 2 :]]
    return teams


def _central(points: list[AddressPoint]) -> AddressPoint:
    lat, lon = statistics.median(p.lat for p in points), statistics.median(p.lon for p in points)
    return min(points, key=lambda p: (p.lat - lat) ** 2 + (p.lon - lon) ** 2)


def _minutes(rng: random.Random) -> int:
    return max(10, min(60, int(round(rng.lognormvariate(3.0, 0.45) / 5) * 5)))


def _visits(rng: random.Random) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    count = rng.choices([1, 2, 3, 4], weights=[55, 30, 10, 5])[0]
    names = ["morgen", "lunsj", "middag", "kveld"]
    chosen = sorted(rng.sample(names, count), key=names.index)
    if count == 1 and rng.random() < 0.7:
        chosen = ["morgen"]
    visits = []
    for name in chosen:
        start, length = SLOTS[name]
        hour = int(start[:2]) + (rng.choice([0, 1]) if length == 120 and rng.random() < 0.3 else 0)
        nurse = rng.random() < 0.25
        visits.append(
            {
                "label": name,
                "window_start": f"{hour:02d}:00",
                "window_end": f"{hour + length // 60:02d}:00",
                "double_staffed": rng.random() < 0.05,
                "tasks": [
                    {
                        "name": "medisiner" if nurse else rng.choice(["stell", "tilsyn", "måltid"]),
                        "minutes": _minutes(rng),
                        **({"competence": "sykepleier"} if nurse else {}),
                    }
                ],
            }
        )
    links = (
        [{"from_label": "lunsj", "to_label": "middag", "min_gap_minutes": 180}]
        if "lunsj" in chosen and "middag" in chosen
        else []
    )
    return visits, links


def build_municipality(session: Session, places: list[AddressPoint], recipients: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    chosen = rng.sample(places, recipients + 4)
    session.add(MunicipalitySettings(id=1, name="Lier-lik kommune"))
    team_ids = []
    for number, area in enumerate(_split(chosen), start=1):
        base = _central(area)
        team = Team(name=f"Team {number}", base_address=base.label, base_lat=base.lat, base_lon=base.lon)
        session.add(team)
        session.flush()
        assert team.id is not None
        team_ids.append(team.id)
        system = Principal(0, "benchmark", Role.coordinator, frozenset({team.id}), None)
        for shift, count, start, end, b0, b1 in (
            (ShiftKind.day, 6, dt.time(7, 30), dt.time(15), dt.time(11), dt.time(13)),
            (ShiftKind.evening, 4, dt.time(15), dt.time(22, 30), dt.time(18), dt.time(19, 30)),
        ):
            for index in range(count):
                nurse = index < 2 or (index == 2 and number % 2 == 0)
                carer = create_carer(
                    session,
                    principal=system,
                    commit=False,
                    data=CarerCreate(
                        name=f"Pleier {number}-{shift.value}-{index + 1}",
                        team_id=team.id,
                        competences=["sykepleier"] if nurse else ["helsefagarbeider"],
                        transport_mode=TravelMode.car,
                    ),
                )
                add_rota_entry(
                    session,
                    principal=system,
                    commit=False,
                    data=RotaEntryCreate(
                        carer_id=carer.id or 0,
                        date=DAY,
                        shift_kind=shift,
                        start=start,
                        end=end,
                        break_earliest=b0,
                        break_latest=b1,
                        break_minutes=30,
                    ),
                )
        for index, place in enumerate(p for p in area if p != base):
            person = create_recipient(
                session,
                principal=system,
                commit=False,
                data=RecipientCreate(
                    name=f"Bruker {number}-{index + 1}",
                    address=place.label,
                    lat=place.lat,
                    lon=place.lon,
                    team_id=team.id,
                ),
            )
            visits, links = _visits(rng)
            create_decision(
                session,
                principal=system,
                commit=False,
                data=DecisionCreate.model_validate(
                    {
                        "recipient_id": person.id,
                        "valid_from": DAY.isoformat(),
                        "weekdays": list(range(1, 8))
                        if rng.random() < 0.6
                        else sorted(rng.sample(range(1, 8), 3)),
                        "visits": visits,
                        "links": links,
                    }
                ),
            )
    session.commit()
    return team_ids


def _on_network(network: RoadNetwork, place: AddressPoint) -> bool:
    """Recipients live where a car can reach them (the planner would list the others as issues)."""
    try:
        snap(network, [Point(place.lat, place.lon)])
    except MapError:
        return False
    return True


def _within(plans: list[Plan], session: Session) -> tuple[int, int]:
    within = total = 0
    for plan in plans:
        for _, stops in routes_of(session, plan.id or 0):
            for stop in stops:
                total += 1
                within += stop.planned_start <= stop.window_end
        total += len(plan.unassigned)
    return within, total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--recipients", type=int, default=420)
    args = parser.parse_args()
    pbf = require_shared("osm/liechtenstein-latest.osm.pbf")
    work = Path(tempfile.mkdtemp(prefix="hjemmerute-plan-day-"))
    settings = Settings(
        database_url=f"sqlite:///{work / 'day.db'}", network_dir=work / "networks", network_name=NETWORK
    )
    activate(settings)
    began = time.monotonic()
    network = load_network(pbf, "car", name=NETWORK)
    save_network(network, work / "networks" / f"{NETWORK}-car.graphml")
    print(
        f"network: {network.graph.number_of_nodes()} nodes, loaded in {time.monotonic() - began:.1f}s (not counted)"
    )

    engine = make_engine(settings)
    SQLModel.metadata.create_all(engine)
    places = [p for p in addressed_buildings(pbf) if _on_network(network, p)]
    with Session(engine) as session:
        team_ids = build_municipality(session, places, args.recipients, args.seed)
        teams = list(session.exec(select(Team)))
        recipients = list(session.exec(select(Recipient)))
        points = [Point(t.base_lat, t.base_lon) for t in teams] + [Point(r.lat, r.lon) for r in recipients]
        matrix_module._CACHE.clear()
        began = time.monotonic()
        travel_time_matrix(network, points)
        matrices_s = time.monotonic() - began
        print(f"matrices: {len(points)} points in {matrices_s:.2f}s")
        matrix_module._CACHE.clear()

        began = time.monotonic()
        plans: list[Plan] = []
        for shift in (ShiftKind.day, ShiftKind.evening):
            t0 = time.monotonic()
            made = plan_teams(
                session, day=DAY, shift_kind=shift, team_ids=team_ids, created_by=None, settings=settings
            )
            plans += made
            print(f"{shift.value}: {len(made)} teams in {time.monotonic() - t0:.1f}s")
        day_s = time.monotonic() - began
        for plan in plans:
            status = (
                "feasible"
                if plan.stats.get("check_feasible")
                else f"VIOLATIONS {plan.stats.get('violations')}"
            )
            print(
                f"  team {plan.team_id} {plan.shift_kind.value}: {plan.stats.get('visits')} visits, "
                f"{len(plan.unassigned)} unassigned, lateness {int(plan.objective.get('lateness_total_s', 0)) // 60} min, "
                f"travel {int(plan.objective.get('travel_s', 0)) // 60} min, check {status}"
            )
        visits = sum(int(str(p.stats.get("visits", 0))) for p in plans)
        unassigned = sum(len(p.unassigned) for p in plans)
        within, total = _within(plans, session)

        system = Principal(0, "benchmark", Role.coordinator, frozenset(team_ids), None)
        for plan in plans:
            publish_plan(session, principal=system, plan_id=plan.id or 0)
        target = next(p for p in plans if p.shift_kind == ShiftKind.day)
        busiest = max(routes_of(session, target.id or 0), key=lambda rs: len(rs[1]))[0]
        sick_at = local_instant(DAY, dt.time(7, 30))
        began = time.monotonic()
        report_sick(session, principal=system, plan=target, carer_id=busiest.carer_id, from_instant=sick_at)
        new = replan(session, plan_id=target.id or 0, from_time=sick_at, created_by=None, settings=settings)
        replan_s = time.monotonic() - began
        diff = new.diff or {}
        print(
            f"re-plan team {target.team_id} after carer {busiest.carer_id} sick at 07:30: {replan_s:.1f}s, "
            f"changes {diff.get('counts')}, unassigned {len(new.unassigned)}, "
            f"check {'feasible' if new.stats.get('check_feasible') else new.stats.get('violations')}"
            f", {'; '.join(str(n) for n in list(new.stats.get('notes') or []))}"
        )
    print(machine())
    print(
        f"RESULT recipients={len(recipients)} visits={visits} teams={len(teams)} matrices_s={matrices_s:.2f} "
        f"day_s={day_s:.1f} replan_s={replan_s:.1f} unassigned={unassigned} "
        f"within_window_pct={100 * within / max(total, 1):.1f} moved_unaffected={diff.get('moved_unaffected')}"
    )


if __name__ == "__main__":
    main()
