"""Agreed times that fit (issue 18): a week of a municipality whose agreed times do not fit its rota
(`lier-peak`, on real OSM roads of the Liechtenstein extract), planned by the product as it stands; then the
proposals for each team's week (backend/agreements: trial weeks, the fewest nearest window moves), all
accepted at once from the Monday, and the week planned again; then the staffing advice for what is still
left added to the rota as extra carers, and the week planned a third time.

It prints, over the week: vedtak visits (agreed times) and how many of them changed, the time-critical ones
among them (must be 0), visits planned to start inside their agreed window before and after (left-out
visits count as outside), the carer-hours the staffing advice says are missing, the share inside the window
with the advised carers added, and the time to make the proposals for all teams.

    python benchmarks/renegotiate.py [--preset lier-peak] [--days 7] [--seed 7] [--seconds 8] [--proposals-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, SQLModel, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.agreements.models import Agreement, AskedHow, ProposalRun, TimeProposal
from backend.agreements.service import accept_proposal, make_team_proposals, proposals_of
from backend.agreements.staffing import AdviceLine, advice, needs_of
from backend.carers.models import Carer
from backend.common.enums import ShiftKind
from backend.common.localtime import local_instant
from backend.db import make_engine
from backend.decisions.expansion import visits_for
from backend.decisions.models import DecisionVisit
from backend.planning import solver_pool
from backend.rota.models import RotaEntry
from backend.scenarios.generator import generate
from backend.scenarios.presets import PRESETS
from backend.scenarios.store import reachable_places, store
from backend.settings import Settings
from backend.teams.models import Team
from benchmarks._common import benchmark_coordinator, machine, require_shared
from benchmarks.week import MONDAY, NETWORK, lay_week, measure_week
from maps import load_network, save_network

AGREED_ON = MONDAY - dt.timedelta(days=3)  # the Friday before: the coordinator calls the recipients


def _agreed_times(session: Session, team_ids: list[int], days: int) -> int:
    """Distinct vedtak visits due in the week: the standing agreements a proposal could change."""
    return len(
        {
            v.decision_visit_id
            for tid in team_ids
            for offset in range(days)
            for v in visits_for(session, day=MONDAY + dt.timedelta(days=offset), team_id=tid)
        }
    )


def _capacity(session: Session, team_ids: list[int], days: int) -> tuple[float, float]:
    """Carer-minutes the vedtak ask for in the week (both carers of a double-staffed visit) and the paid
    minutes of the week's shifts less their breaks: with no travel at all, a share of visits inside their
    windows above paid / asked cannot be reached by moving times, only by more staff."""
    asked = paid = 0.0
    for offset in range(days):
        day = MONDAY + dt.timedelta(days=offset)
        for tid in team_ids:
            asked += sum(
                v.minutes * (2 if v.double_staffed else 1) for v in visits_for(session, day=day, team_id=tid)
            )
    carers = [c.id for c in session.exec(select(Carer).where(col(Carer.team_id).in_(team_ids)))]
    for entry in session.exec(
        select(RotaEntry).where(
            col(RotaEntry.carer_id).in_(carers),
            col(RotaEntry.date).between(MONDAY, MONDAY + dt.timedelta(days=days - 1)),
        )
    ):
        paid += (entry.end - entry.start).total_seconds() / 60 - entry.break_minutes
    return asked, paid


def _propose_and_accept(
    session: Session, team_ids: list[int], settings: Settings
) -> tuple[list[TimeProposal], float, float]:
    """Every team's proposals, accepted from the Monday; the proposals, their seconds, the hours missing."""
    began = time.monotonic()
    runs = make_team_proposals(session, team_ids=team_ids, monday=MONDAY, settings=settings, created_by=None)
    seconds = time.monotonic() - began
    system = benchmark_coordinator(session, team_ids)
    agreement = Agreement(
        asked_by="Koordinator", asked_on=AGREED_ON, asked_how=AskedHow.phone, valid_from=MONDAY, notify=True
    )
    accepted = []
    for run in runs:
        print(
            f"  team {run.team_id}: {run.within_before} → {run.within_after} of {run.visits} in the trial, {run.seconds:.0f}s",
            flush=True,
        )
        for proposal in proposals_of(session, run):
            accepted.append(
                accept_proposal(
                    session,
                    principal=system,
                    proposal_id=proposal.id or 0,
                    data=agreement,
                    now=local_instant(AGREED_ON, dt.time(10, 0)),
                    settings=settings,
                )
            )
    missing = sum(float(str(n["carer_hours"])) for run in runs for n in run.staffing)
    return accepted, seconds, missing


def _add_advised_carers(session: Session, team_ids: list[int], lines: dict[int, list[AdviceLine]]) -> float:
    """The staffing advice put into the rota: for each line and weekday, that many extra carers on shift
    from its start to its end (nurses where it asks for nurses); the carer-hours added."""
    added = 0.0
    for tid in team_ids:
        for n, line in enumerate(lines.get(tid, [])):
            competences = (
                ["sykepleier", "helsefagarbeider"]
                if line.competence == "sykepleier"
                else ["helsefagarbeider"]
            )
            for extra in range(line.carers):
                carer = Carer(name=f"Ekstra {tid}-{n}-{extra}", team_id=tid, competences=competences)
                session.add(carer)
                session.flush()
                begin, end = (dt.time(*map(int, t.split(":"))) for t in (line.begin, line.end))
                for weekday in line.weekdays:
                    day = MONDAY + dt.timedelta(days=weekday - 1)
                    session.add(
                        RotaEntry(
                            carer_id=carer.id or 0,
                            date=day,
                            shift_kind=ShiftKind(line.shift_kind),
                            start=local_instant(day, begin),
                            end=local_instant(day, end)
                            if end > begin
                            else local_instant(day + dt.timedelta(days=1), end),
                        )
                    )
                    added += (dt.datetime.combine(day, end) - dt.datetime.combine(day, begin)).seconds / 3600
    session.commit()
    return added


def _warm(value: int) -> int:
    return value


def _time_proposals(session: Session, team_ids: list[int], settings: Settings) -> None:
    """The proposals alone, the solver processes started first (as on a running server)."""
    for future in [solver_pool.submit(settings.plan_workers, _warm, i) for i in range(settings.plan_workers)]:
        future.result()
    began = time.monotonic()
    runs = make_team_proposals(session, team_ids=team_ids, monday=MONDAY, settings=settings, created_by=None)
    seconds = time.monotonic() - began
    for run in runs:
        print(f"  team {run.team_id}: {run.within_before} → {run.within_after} of {run.visits} in the trial")
    proposals = sum(len(proposals_of(session, run)) for run in runs)
    print(machine())
    print(f"RESULT teams={len(runs)} proposals={proposals} proposals_s={seconds:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="lier-peak")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=None, help="solver seconds per team when planning")
    parser.add_argument(
        "--proposals-only",
        action="store_true",
        help="only time the four teams' proposals (solver processes warm)",
    )
    args = parser.parse_args()
    pbf = require_shared("osm/liechtenstein-latest.osm.pbf")
    work = Path(tempfile.mkdtemp(prefix="hjemmerute-renegotiate-"))
    save_network(load_network(pbf, "car", name=NETWORK), work / "networks" / f"{NETWORK}-car.graphml")
    settings = Settings(
        database_url=f"sqlite:///{work / 'week.db'}", network_dir=work / "networks", network_name=NETWORK
    )
    if args.seconds is not None:
        settings = settings.model_copy(update={"plan_seconds_per_team": args.seconds})
    engine = make_engine(settings)
    SQLModel.metadata.create_all(engine)
    network = load_network(work / "networks" / f"{NETWORK}-car.graphml", "car", name=NETWORK)
    scenario = generate(
        PRESETS[args.preset],
        reachable_places(pbf, network),
        seed=args.seed,
        start=MONDAY - dt.timedelta(days=7),
        days=args.days + 7,
    )
    with Session(engine) as session:
        store(session, scenario)
        team_ids = [t.id or 0 for t in session.exec(select(Team))]
        agreed_times = _agreed_times(session, team_ids, args.days)
        asked_minutes, paid_minutes = _capacity(session, team_ids, args.days)
        if args.proposals_only:
            _time_proposals(session, team_ids, settings)
            return
        plans, _ = lay_week(session, team_ids, MONDAY, args.days, settings, "before")
        before = measure_week(session, plans, 0)
        accepted, proposals_s, missing = _propose_and_accept(session, team_ids, settings)
        critical = sum(
            1 for p in accepted if (v := session.get(DecisionVisit, p.decision_visit_id)) and v.time_critical
        )
        plans, _ = lay_week(session, team_ids, MONDAY, args.days, settings, "after")
        after = measure_week(session, plans, 0)
        lines = {}
        for tid in team_ids:
            runs = session.exec(select(ProposalRun).where(ProposalRun.team_id == tid)).all()
            lines[tid] = advice(needs_of(runs[-1].staffing)) if runs else []
            for line in lines[tid]:
                print(f"  team {tid} staffing advice: {line.text()} ({line.shift_kind})")
        added = _add_advised_carers(session, team_ids, lines)
        plans, _ = lay_week(session, team_ids, MONDAY, args.days, settings, "with advised staff")
        staffed = measure_week(session, plans, 0)
    changed = len(accepted)
    print(machine())
    print(
        f"RESULT preset={args.preset} visits={agreed_times} changed={changed} "
        f"changed_pct={100 * changed / max(agreed_times, 1):.1f} time_critical_moved={critical} "
        f"within_before_pct={before.within_pct:.1f} within_after_pct={after.within_pct:.1f} "
        f"staff_hours_missing={missing:.1f} advised_hours_added={added:.0f} within_staffed_pct={staffed.within_pct:.1f} "
        f"proposals_s={proposals_s:.0f} service_share_of_paid_pct={100 * asked_minutes / max(paid_minutes, 1):.1f} "
        f"travel_share_after_pct={after.travel_share_pct:.1f}"
    )


if __name__ == "__main__":
    main()
