"""Baseline vs hjemmerute on the same simulated days: is the product's improvement measured, not claimed?

One municipality from the scenario generator (default `lier`: 420 recipients at real addressed buildings of
the Liechtenstein extract, 4 teams, Lier's rota), stored twice:
- baseline: kjørelister laid as by hand today (routing.baseline: fixed lists in window order, greedy
  nearest next visit), no re-planning when carers call in sick or an urgent visit comes, no notices;
- hjemmerute: the optimiser's plans, re-planned and republished at the 07:30 sick calls and the 10:00
  urgent visit, delay notices on the server's rules through the console SMS gateway.
Each day is replayed minute by minute through the API (`hjemmerute simulate`) with the same draws (visit
lengths, drives, who is sick, who needs the urgent visit) in both, then measured by the KPI definitions over
every visit the vedtak asked for (a visit never made is not punctual).

With `--accept-share S` (issue 18), hjemmerute first finds the proposals to move agreed times for each team's
first week (docs/agreements.md) and each asked recipient agrees with probability S (the same draw for every
run of a seed); the agreed ones change from the first day, the others keep their time. Punctuality is then
measured against the times agreed.

With `--stand-ins`, the coordinator of both arms calls in a stand-in (vikar) for each sick carer: the first
colleague of the team the product offers (backend.planning.stand_ins: off that day, the competence, the rest
the Working Environment Act requires), from when they can start. hjemmerute re-plans with them; the baseline
gives them the sick carer's list as it is, each visit moved later as far as the late start pushes it.

    python benchmarks/simulate.py [--preset lier] [--days 5] [--seed 7] [--tick-minutes 5] [--accept-share S]
        [--sick-rate R] [--stand-ins]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, SQLModel, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.agreements.models import Agreement, AskedHow, Rejection
from backend.agreements.service import accept_proposal, make_team_proposals, proposals_of, reject_proposal
from backend.auth.service import Principal
from backend.common.enums import Role, ShiftKind
from backend.common.localtime import local_instant
from backend.db import make_engine
from backend.planning.flows import plan_teams
from backend.planning.possible import PossibleOnTime, shift_possible
from backend.planning.service import publish_plan
from backend.scenarios.generator import generate
from backend.scenarios.presets import PRESETS
from backend.scenarios.store import reachable_places, store
from backend.settings import Settings
from backend.simulation.draws import SICK_LEAVE_RATE
from backend.simulation.measure import Figures, measure
from backend.simulation.replay import Options
from backend.simulation.service import simulate_day
from backend.teams.models import Team
from benchmarks._common import benchmark_coordinator, machine, require_shared
from maps import bundled_extract_path, load_network, save_network

FIRST_DAY = dt.date(2026, 11, 23)  # a Monday
SHIFTS = (ShiftKind.day, ShiftKind.evening)


def run(
    variant: str, work: Path, scenario: object, networks: Path, network_name: str, args: argparse.Namespace
) -> tuple[Figures, list[PossibleOnTime]]:
    hjemmerute = variant == "hjemmerute"
    settings = Settings(
        database_url=f"sqlite:///{work / f'{variant}.db'}",
        network_dir=networks,
        network_name=network_name,
        sms_outbox_file=work / f"{variant}-sms.jsonl",
    )
    engine = make_engine(settings)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        store(session, scenario)  # type: ignore[arg-type]
        team_ids = [t.id or 0 for t in session.exec(select(Team))]
    system = Principal(0, "benchmark", Role.coordinator, frozenset(team_ids), None)
    if hjemmerute and args.accept_share is not None:
        with Session(engine) as session:
            asked, agreed = renegotiate(session, team_ids, settings, args.accept_share, args.seed)
        print(f"  {variant}: {agreed} of {asked} asked recipients agreed to a new time", flush=True)
    possible: list[PossibleOnTime] = []  # the pooled bound of each shift, as staffed after the sick calls
    for offset in range(args.days):
        day = FIRST_DAY + dt.timedelta(days=offset)
        began = time.monotonic()
        with Session(engine) as session:
            for shift in SHIFTS:
                for plan in plan_teams(
                    session,
                    day=day,
                    shift_kind=shift,
                    team_ids=team_ids,
                    created_by=None,
                    settings=settings,
                    manual_like=not hjemmerute,
                ):
                    publish_plan(session, principal=system, plan_id=plan.id or 0)
        planned = time.monotonic() - began
        result = simulate_day(
            settings,
            Options(
                day=day,
                seed=args.seed,
                replan=hjemmerute,
                notices=hjemmerute,
                tick_minutes=args.tick_minutes,
                sick_rate=args.sick_rate,
                stand_ins=args.stand_ins,
            ),
            engine,
        )
        log = result.log
        bound = ""
        if hjemmerute:
            with Session(engine) as session:
                shifts = [shift_possible(session, day=day, shift_kind=s, settings=settings) for s in SHIFTS]
            possible.extend(shifts)
            bound = f" (at most {_share(shifts):.1f} % possible as staffed)"
        print(
            f"  {variant} {day}: planned in {planned:.0f}s, simulated in {time.monotonic() - began - planned:.0f}s; "
            f"{log.events} events, sick {log.sick_carers}, stand-ins {len(log.stand_ins)}, re-plans {log.replans} (catching up {log.catch_ups}), "
            f"punctual {result.figures.punctual_pct:.1f} %{bound}, never made {result.figures.never_made}",
            flush=True,
        )
    with Session(engine) as session:
        return measure(session, start=FIRST_DAY, end=FIRST_DAY + dt.timedelta(days=args.days - 1)), possible


def _share(shifts: list[PossibleOnTime]) -> float:
    """The share of the visits due that could start inside their windows at the most."""
    return 100 * sum(s.on_time_max for s in shifts) / max(sum(s.visits for s in shifts), 1)


def renegotiate(
    session: Session, team_ids: list[int], settings: Settings, share: float, seed: int
) -> tuple[int, int]:
    """Every team's proposals for the first week; each recipient asked agrees with probability `share`."""
    coordinator = benchmark_coordinator(session, team_ids)
    draws = random.Random(seed)
    asked = agreed = 0
    now = local_instant(FIRST_DAY - dt.timedelta(days=3), dt.time(10, 0))
    for run in make_team_proposals(
        session, team_ids=team_ids, monday=FIRST_DAY, settings=settings, created_by=None
    ):
        for proposal in proposals_of(session, run):
            asked += 1
            if draws.random() >= share:
                reject_proposal(
                    session, principal=coordinator, proposal_id=proposal.id or 0, data=Rejection(), now=now
                )
                continue
            agreement = Agreement(
                asked_by="Koordinator",
                asked_on=now.date(),
                asked_how=AskedHow.phone,
                valid_from=FIRST_DAY,
                notify=False,
            )
            accept_proposal(
                session,
                principal=coordinator,
                proposal_id=proposal.id or 0,
                data=agreement,
                now=now,
                settings=settings,
            )
            agreed += 1
    return asked, agreed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", default="lier", choices=sorted(PRESETS))
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--tick-minutes", type=int, default=5, help="the server's ETA tick in simulated minutes"
    )
    parser.add_argument(
        "--accept-share",
        type=float,
        default=None,
        help="propose new agreed times; share of recipients who agree",
    )
    parser.add_argument(
        "--sick-rate",
        type=float,
        default=SICK_LEAVE_RATE,
        help="each day-shift carer's chance of calling in sick at 07:30 (default Lier's sick leave, 0.124)",
    )
    parser.add_argument(
        "--stand-ins",
        action="store_true",
        help="for each sick carer the coordinator calls in the first stand-in of the team the product offers "
        "(both arms; the baseline hands the sick carer's list over as it is)",
    )
    args = parser.parse_args()
    if not 0 <= args.sick_rate <= 1:
        parser.error(f"--sick-rate must lie between 0 and 1, got {args.sick_rate}")
    preset = PRESETS[args.preset]
    pbf = (
        bundled_extract_path()
        if preset.extract == "bundled"
        else require_shared("osm/liechtenstein-latest.osm.pbf")
    )
    work = Path(tempfile.mkdtemp(prefix="hjemmerute-simulate-"))
    name = f"sim-{args.preset}"
    network = load_network(pbf, preset.transport.value, name=name)
    for mode in ("car", "bike", "walk"):
        road = network if mode == preset.transport.value else load_network(pbf, mode, name=name)
        save_network(road, work / "networks" / f"{name}-{mode}.graphml")
    # proposals look at a whole week of standing agreements: its rota must be there, however few days run
    rota_days = max(args.days, 7) if args.accept_share is not None else args.days
    scenario = generate(
        preset, reachable_places(pbf, network), seed=args.seed, start=FIRST_DAY, days=rota_days
    )
    print(
        f"{args.preset}: {len(scenario.recipients)} recipients, {len(scenario.carers)} staff, {args.days} days"
    )
    runs = {
        variant: run(variant, work, scenario, work / "networks", name, args)
        for variant in ("baseline", "hjemmerute")
    }
    figures = {variant: found for variant, (found, _) in runs.items()}
    for variant, found in figures.items():
        print(f"{variant}:")
        for line in found.lines():
            print(f"  {line}")
    ours, base = figures["hjemmerute"], figures["baseline"]
    possible = runs["hjemmerute"][1]
    print(
        f"possible: at most {sum(s.on_time_max for s in possible)} of {sum(s.visits for s in possible)} visits "
        f"due could start inside their windows as the days were staffed ({_share(possible):.1f} %; pooled "
        f"bound over every team's shift, backend.planning.possible; methods {sorted({s.method for s in possible})})"
    )

    def value(x: float | None) -> str:
        return "none" if x is None else f"{x:.1f}"

    print(machine())
    print(
        f"RESULT punctual_pct={ours.punctual_pct:.1f} baseline_punctual_pct={base.punctual_pct:.1f} "
        f"possible_pct={_share(possible):.1f} "
        f"notice_coverage_pct={value(ours.kpis.notice_coverage_pct)} "
        f"notice_coverage_consenting_pct={value(ours.noticed_consenting_pct)} "
        f"baseline_notice_coverage_pct={value(base.kpis.notice_coverage_pct) if base.kpis.late_visits else '0.0'} "
        f"travel_share_pct={value(ours.kpis.travel_pct)} baseline_travel_share_pct={value(base.kpis.travel_pct)} "
        f"travel_min_per_visit={value(ours.travel_min_per_visit)} "
        f"baseline_travel_min_per_visit={value(base.travel_min_per_visit)}"
        + ("" if args.accept_share is None else f" accept_share={args.accept_share}")
        + ("" if args.sick_rate == SICK_LEAVE_RATE else f" sick_rate={args.sick_rate}")
        + (" stand_ins=on" if args.stand_ins else "")
    )


if __name__ == "__main__":
    main()
