"""A Lier-sized planning day on real OSM roads (Liechtenstein extract), through the product's planning service.

The municipality comes from the scenario generator's `lier` preset (docs/scenarios.md): 420 recipients at
real addressed buildings the car network reaches, 4 geographic teams around one base, 135 staff (38 %
nurses), the weekday rota of Lier (24 carers on the day shift with 7 nurses, 15 in the evening with 5),
vedtak calibrated to ~60 % face-to-face time (daily, 2-3 times or once a week; agreed times spread around
the peaks), ~5 % double-staffed, nurse-only tasks, day-centre users, lunch → dinner links. `lier-peak`
keeps the same rota with everyone at the peak hours (windows at 08, 12, 16 and 21, most every day).

It measures: time to build the travel-time matrices; time to plan the whole day (day and evening shift, all
teams, matrices included, default solver time); time to re-plan one team after a carer calls in sick at 07:30;
unassigned visits; share of visits planned to start within their agreed window; how many stops of carers
the sick call did not affect moved to another carer; the capacity bound (routing.bound: no plan starts more
visits inside their window), visits on time against it (bound_pct), and carers left idle in a team-shift
with visits late or left out; and the visits planned on time but inside the reserve before their agreed end
(in_reserve: a visit or drive that runs long on the day makes them late).

    python benchmarks/plan_day.py [--seed 7] [--preset lier|lier-peak] [--seconds 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, SQLModel, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.auth.service import Principal
from backend.common.enums import Role, ShiftKind
from backend.common.localtime import local_instant
from backend.db import make_engine
from backend.planning.commands import report_sick
from backend.planning.flows import plan_teams, replan
from backend.planning.models import Plan
from backend.planning.service import publish_plan, routes_of
from backend.recipients.models import Recipient
from backend.scenarios.generator import generate
from backend.scenarios.presets import PRESETS
from backend.scenarios.store import reachable_places, store
from backend.settings import Settings
from backend.teams.models import Team
from backend.visits.status import stops_with_progress
from benchmarks._common import machine, require_shared
from maps import (
    Point,
    load_network,
    save_network,
    travel_time_matrix,
)
from maps import matrix as matrix_module
from routing.on_time import with_reserve

DAY = dt.date(2026, 11, 24)  # a Tuesday
NETWORK = "liechtenstein"


def _within(plans: list[Plan], session: Session) -> tuple[int, int, int]:
    """Visits planned inside their window, all visits, and those of the first planned in the reserve
    before the agreed end (routing.on_time.with_reserve), where a visit or drive that runs long makes
    them late on the day."""
    within = total = in_reserve = 0
    for plan in plans:
        for _, stops in routes_of(session, plan.id or 0):
            for stop in stops:
                total += 1
                on_time = stop.planned_start <= stop.window_end
                within += on_time
                first, last = (int(t.timestamp()) for t in (stop.window_start, stop.window_end))
                aim = with_reserve((first, last))[1]
                in_reserve += on_time and stop.planned_start.timestamp() > aim
        total += len(plan.unassigned)
    return within, total, in_reserve


def _idle_carers(plans: list[Plan], session: Session) -> int:
    """Carers on shift with no visit in a team-shift that has visits late or left out."""
    idle = 0
    for plan in plans:
        routes = routes_of(session, plan.id or 0)
        late = any(s.planned_start > s.window_end for _, stops in routes for s in stops)
        if late or plan.unassigned:
            idle += sum(1 for route, stops in routes if route.shift_start is not None and not stops)
    return idle


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="lier")
    parser.add_argument(
        "--seconds", type=float, default=None, help="solver seconds per team (default: the product's)"
    )
    args = parser.parse_args()
    pbf = require_shared("osm/liechtenstein-latest.osm.pbf")
    work = Path(tempfile.mkdtemp(prefix="hjemmerute-plan-day-"))
    settings = Settings(
        database_url=f"sqlite:///{work / 'day.db'}", network_dir=work / "networks", network_name=NETWORK
    )
    if args.seconds is not None:
        settings = settings.model_copy(update={"plan_seconds_per_team": args.seconds})
    began = time.monotonic()
    network = load_network(pbf, "car", name=NETWORK)
    save_network(network, work / "networks" / f"{NETWORK}-car.graphml")
    print(
        f"network: {network.graph.number_of_nodes()} nodes, loaded in {time.monotonic() - began:.1f}s (not counted)"
    )

    engine = make_engine(settings)
    SQLModel.metadata.create_all(engine)
    scenario = generate(
        PRESETS[args.preset], reachable_places(pbf, network), seed=args.seed, start=DAY, days=1
    )
    with Session(engine) as session:
        store(session, scenario)
        team_ids = [t.id or 0 for t in session.exec(select(Team))]
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
                f"travel {int(plan.objective.get('travel_s', 0)) // 60} min, check {status}, "
                f"on time {plan.stats.get('on_time')}/{plan.stats.get('solver_visits')} "
                f"bound {plan.stats.get('bound_on_time')} ({plan.stats.get('bound_method')})"
            )
        visits = sum(int(str(p.stats.get("visits", 0))) for p in plans)
        unassigned = sum(len(p.unassigned) for p in plans)
        within, total, in_reserve = _within(plans, session)
        bound = sum(int(p.plan_stats().bound_on_time or 0) for p in plans)
        idle = _idle_carers(plans, session)

        system = Principal(0, "benchmark", Role.coordinator, frozenset(team_ids), None)
        for plan in plans:
            publish_plan(session, principal=system, plan_id=plan.id or 0)
        target = next(p for p in plans if p.shift_kind == ShiftKind.day)
        busiest = max(routes_of(session, target.id or 0), key=lambda rs: len(rs[1]))[0]
        sick_at = local_instant(DAY, dt.time(7, 30))
        began = time.monotonic()
        report_sick(session, principal=system, plan=target, carer_id=busiest.carer_id, from_instant=sick_at)
        new = replan(
            session,
            plan_id=target.id or 0,
            from_time=sick_at,
            created_by=None,
            status_of=stops_with_progress,
            settings=settings,
        )
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
        f"RESULT preset={args.preset} seconds_per_team={settings.plan_seconds_per_team:g} recipients={len(recipients)} visits={visits} teams={len(teams)} matrices_s={matrices_s:.2f} "
        f"day_s={day_s:.1f} replan_s={replan_s:.1f} unassigned={unassigned} "
        f"within_window_pct={100 * within / max(total, 1):.1f} moved_unaffected={diff.get('moved_unaffected')} "
        f"bound={bound} on_time={within} bound_pct={100 * within / max(bound, 1):.1f} idle_carers={idle} in_reserve={in_reserve}"
    )


if __name__ == "__main__":
    main()
