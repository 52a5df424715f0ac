"""A week of Lier planned two ways on real OSM roads (Liechtenstein extract), through the product's planning:
day by day, each day on its own (HJEMMERUTE_USUAL_TIME_WEIGHT=0, the old behaviour), against day by day with
the earlier days as anchors (the product's default: each vedtak visit's usual time and carer from the last
week's plans, docs/planning.md). Every day's plans are published before the next day is planned, as a
coordinator laying the week from the console's week page does.

It measures, over the week's planned stops: the start-time spread of each vedtak visit planned on two or more
days (the largest distance of its planned start from its median, minutes; p50 and p90 over vedtak visits,
the definition of the KPI in backend/kpis/definitions.py), the mean distinct carers per recipient over the
7 days, visits planned to start inside their agreed window (of all visits, left-out ones counted as
outside), the travel share of paid shift time, and the wall time to plan the week with anchors.

It also counts a floor for distinct carers that the rota sets whatever the planner does: for each recipient
the fewest carers of the teams that served them whose shifts of the week cover every shift the recipient is
visited in (an exact set cover, scipy's MILP), averaged over recipients. `distinct_carers_floor_simple` is
the older, weaker count (S shifts need at least S / the most of them one carer works).

    python benchmarks/week.py [--preset lier] [--days 7] [--seed 7] [--seconds 8] [--weight 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from sqlmodel import Session, SQLModel, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.auth.service import Principal
from backend.common.enums import Role, ShiftKind
from backend.common.localtime import local_minutes
from backend.db import make_engine
from backend.kpis.definitions import median, p90, spreads_of
from backend.planning.flows import plan_teams
from backend.planning.models import Plan
from backend.planning.service import publish_plan, routes_of
from backend.scenarios.generator import generate
from backend.scenarios.presets import PRESETS
from backend.scenarios.store import reachable_places, store
from backend.settings import Settings
from backend.teams.models import Team
from benchmarks._common import machine, require_shared
from maps import load_network, save_network

MONDAY = dt.date(2026, 11, 23)
NETWORK = "liechtenstein"


@dataclass(frozen=True)
class WeekFigures:
    spread_p50: float | None
    spread_p90: float | None
    distinct_carers_7d: float
    within_pct: float
    travel_share_pct: float
    plan_s: float
    carers_floor: float
    carers_floor_cover: float


Shift = tuple[dt.date, str]


def _carers_floor(shifts_of: dict[int, set[Shift]], works: dict[int, set[Shift]]) -> float:
    """A bound no plan can beat: a recipient visited in S shifts of the week needs at least
    ceil(S / the most of those shifts any one carer works) different carers (the rota decides, not the
    planner); the mean over recipients."""
    floors = []
    for shifts in shifts_of.values():
        best = max((len(shifts & worked) for worked in works.values()), default=0)
        floors.append(math.ceil(len(shifts) / best) if best else 0)
    return sum(floors) / max(len(floors), 1)


def _fewest_covering(shifts: set[Shift], works: dict[int, set[Shift]]) -> int:
    """The fewest carers whose worked shifts together hold every one of `shifts` (an exact set cover)."""
    ordered = sorted(shifts)
    columns = [sorted(worked & shifts) for worked in works.values() if worked & shifts]
    if not ordered or not columns:
        return 0
    cover = np.zeros((len(ordered), len(columns)))
    for j, held in enumerate(columns):
        for shift in held:
            cover[ordered.index(shift), j] = 1
    found = milp(
        np.ones(len(columns)),
        constraints=LinearConstraint(cover, lb=1),
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, 1),
    )
    return round(found.fun) if found.success else 0


def _covering_floor(
    shifts_of: dict[int, set[Shift]], works: dict[tuple[int, int], set[Shift]], teams_of: dict[int, set[int]]
) -> float:
    """The mean over recipients of `_fewest_covering` among the carers of the teams that served them (a
    team's plans hold its carers; a nurse visit lent to another team brings that team's carers in)."""
    floors = []
    for recipient_id, shifts in shifts_of.items():
        eligible: dict[int, set[Shift]] = defaultdict(set)
        for (team_id, carer_id), worked in works.items():
            if team_id in teams_of[recipient_id]:
                eligible[carer_id] |= worked
        floors.append(_fewest_covering(shifts, eligible))
    return sum(floors) / max(len(floors), 1)


def measure_week(session: Session, plans: list[Plan], plan_s: float) -> WeekFigures:
    minutes: dict[int, list[int]] = defaultdict(list)
    carers: dict[int, set[int]] = defaultdict(set)
    shifts_of: dict[int, set[Shift]] = defaultdict(set)
    works: dict[int, set[Shift]] = defaultdict(set)
    team_works: dict[tuple[int, int], set[Shift]] = defaultdict(set)
    teams_of: dict[int, set[int]] = defaultdict(set)
    within = total = travel = paid = 0.0
    for plan in plans:
        total += len(plan.unassigned)
        for route, stops in routes_of(session, plan.id or 0):
            if route.shift_start is not None:
                works[route.carer_id].add((plan.date, plan.shift_kind.value))
                team_works[(plan.team_id, route.carer_id)].add((plan.date, plan.shift_kind.value))
            travel += route.travel_seconds
            if route.shift_start is not None and route.shift_end is not None:
                paid += (route.shift_end - route.shift_start).total_seconds()
            for stop in stops:
                if stop.decision_visit_id is not None:
                    minutes[stop.decision_visit_id].append(local_minutes(stop.planned_start))
                carers[stop.recipient_id].add(route.carer_id)
                shifts_of[stop.recipient_id].add((plan.date, plan.shift_kind.value))
                teams_of[stop.recipient_id].add(plan.team_id)
                total += 1
                within += stop.planned_start <= stop.window_end
    spreads = spreads_of(minutes)
    return WeekFigures(
        median(spreads),
        p90(spreads),
        sum(len(c) for c in carers.values()) / max(len(carers), 1),
        100 * within / max(total, 1),
        100 * travel / max(paid, 1),
        plan_s,
        _carers_floor(shifts_of, works),
        _covering_floor(shifts_of, team_works, teams_of),
    )


def _plan_week(work: Path, pbf: Path, args: argparse.Namespace, weight: int) -> WeekFigures:
    settings = Settings(
        database_url=f"sqlite:///{work / f'week-{weight}.db'}",
        network_dir=work / "networks",
        network_name=NETWORK,
        usual_time_weight=weight,
    )
    if args.seconds is not None:
        settings = settings.model_copy(update={"plan_seconds_per_team": args.seconds})
    engine = make_engine(settings)
    SQLModel.metadata.create_all(engine)
    network = load_network(work / "networks" / f"{NETWORK}-car.graphml", "car", name=NETWORK)
    scenario = generate(
        PRESETS[args.preset], reachable_places(pbf, network), seed=args.seed, start=MONDAY, days=args.days
    )
    with Session(engine) as session:
        store(session, scenario)
        team_ids = [t.id or 0 for t in session.exec(select(Team))]
        plans, plan_s = lay_week(session, team_ids, MONDAY, args.days, settings, f"weight {weight}")
        return measure_week(session, plans, plan_s)


def lay_week(
    session: Session, team_ids: list[int], monday: dt.date, days: int, settings: Settings, label: str
) -> tuple[list[Plan], float]:
    """Every day and shift planned by the product and published, in date order (as the console's week page
    lays them); the plans and the seconds it took."""
    system = Principal(0, "benchmark", Role.coordinator, frozenset(team_ids), None)
    plans: list[Plan] = []
    began = time.monotonic()
    for offset in range(days):
        day = monday + dt.timedelta(days=offset)
        for shift in (ShiftKind.day, ShiftKind.evening):
            made = plan_teams(
                session, day=day, shift_kind=shift, team_ids=team_ids, created_by=None, settings=settings
            )
            for plan in made:
                assert plan.stats.get("check_feasible"), plan.stats.get("violations")
                publish_plan(session, principal=system, plan_id=plan.id or 0)
            plans += made
        print(f"  {label}: {day} planned ({time.monotonic() - began:.0f}s)", flush=True)
    return plans, time.monotonic() - began


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="lier")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=None, help="solver seconds per team")
    parser.add_argument(
        "--weight", type=int, default=Settings().usual_time_weight, help="HJEMMERUTE_USUAL_TIME_WEIGHT to try"
    )
    args = parser.parse_args()
    pbf = require_shared("osm/liechtenstein-latest.osm.pbf")
    work = Path(tempfile.mkdtemp(prefix="hjemmerute-week-"))
    save_network(load_network(pbf, "car", name=NETWORK), work / "networks" / f"{NETWORK}-car.graphml")
    baseline = _plan_week(work, pbf, args, weight=0)
    week = _plan_week(work, pbf, args, weight=args.weight)
    for name, f in (("day by day", baseline), ("with anchors", week)):
        print(
            f"{name}: start spread p50 {_num(f.spread_p50)} / p90 {_num(f.spread_p90)} min, distinct carers "
            f"{f.distinct_carers_7d:.2f}, within window {f.within_pct:.1f} %, travel {f.travel_share_pct:.1f} %, "
            f"planned in {f.plan_s:.0f}s, distinct carers at least {f.carers_floor_cover:.2f} with this rota "
            f"(simple count {f.carers_floor:.2f})"
        )
    print(machine())
    print(
        f"RESULT preset={args.preset} days={args.days} start_spread_p50_min={_num(week.spread_p50)} "
        f"start_spread_p90_min={_num(week.spread_p90)} distinct_carers_7d={week.distinct_carers_7d:.2f} "
        f"baseline_start_spread_p50_min={_num(baseline.spread_p50)} "
        f"baseline_start_spread_p90_min={_num(baseline.spread_p90)} "
        f"baseline_distinct_carers_7d={baseline.distinct_carers_7d:.2f} within_window_pct={week.within_pct:.1f} "
        f"baseline_within_window_pct={baseline.within_pct:.1f} travel_share_pct={week.travel_share_pct:.1f} "
        f"baseline_travel_share_pct={baseline.travel_share_pct:.1f} week_plan_s={week.plan_s:.0f} "
        f"distinct_carers_floor={week.carers_floor_cover:.2f} distinct_carers_floor_simple={week.carers_floor:.2f} "
        f"weight={args.weight}"
    )


if __name__ == "__main__":
    main()
