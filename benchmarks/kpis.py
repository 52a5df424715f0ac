"""KPI query time on a year of a Lier-sized municipality in PostgreSQL.

Generates 365 days for 4 teams (420 recipients, 40 carers; each day a day-shift plan with 7 routes of ~18
visits and an evening plan with 4 routes of ~14 visits per team: ~265,000 visits), with check-in/out
events (3 % missed, 2 % cancelled, lateness drawn so that ~12 % are late), an accepted SMS for 80 % of
the late visits, bulk-inserted with explicit ids. Then times, warm (best of 3):
- the weekly KPI table of all teams for a week in the middle of the year (`weekly_table`);
- one team's 52-week series with run-chart limits (`team_series`).

    python benchmarks/kpis.py [--database-url postgresql://…/hjemmerute_kpis] [--seed 7]

Ends with: RESULT visits=N weekly_table_ms=X series_ms=Y (targets ≤ 1,000 ms each)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import insert, text
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.carers.models import Carer
from backend.common.enums import PlanStatus, ShiftKind, VisitEventKind
from backend.common.localtime import local_instant
from backend.db import make_engine
from backend.kpis.definitions import Kpis, compute, daily_carers
from backend.kpis.records import load_records
from backend.kpis.service import team_series, weekly_table
from backend.migrations import upgrade_to_head
from backend.notices.models import Notice, NoticeMessage
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import Recipient
from backend.settings import Settings
from backend.teams.models import Team
from backend.visits.models import VisitEvent

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/hjemmerute_kpis"
FIRST = dt.date(2025, 11, 24)  # a Monday; 365 days from here
TEAMS, RECIPIENTS, CARERS_PER_TEAM = 4, 420, 10
SHIFTS = ((ShiftKind.day, 7, 18, 7 * 60 + 30, 15 * 60), (ShiftKind.evening, 4, 14, 15 * 60, 22 * 60 + 30))


def fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def generate(settings: Settings, seed: int) -> int:
    rng = random.Random(seed)
    engine = make_engine(settings)
    rows: dict[str, list[dict[str, object]]] = {
        t: [] for t in ("plan", "route", "stop", "visit_event", "notice", "notice_message")
    }
    with Session(engine) as session:
        teams = [
            Team(id=i + 1, name=f"Team {i + 1}", base_address="Base", base_lat=47.14, base_lon=9.52)
            for i in range(TEAMS)
        ]
        session.add_all(teams)
        session.flush()
        carers = [
            Carer(
                id=i + 1,
                name=f"Pleier {i + 1}",
                team_id=i // CARERS_PER_TEAM + 1,
                competences=["helsefagarbeider"],
            )
            for i in range(TEAMS * CARERS_PER_TEAM)
        ]
        session.add_all(carers)
        session.flush()
        recipients = [
            Recipient(
                id=i + 1,
                name=f"Bruker {i + 1}",
                address="Gate",
                lat=47.14,
                lon=9.52,
                team_id=i % TEAMS + 1,
                primary_carer_id=(i % TEAMS) * CARERS_PER_TEAM + 1 + i % 7,
            )
            for i in range(RECIPIENTS)
        ]
        session.add_all(recipients)
        session.commit()
    ids = {"plan": 0, "route": 0, "stop": 0, "visit_event": 0, "notice": 0}
    for day_index in range(365):
        day = FIRST + dt.timedelta(days=day_index)
        for team in range(1, TEAMS + 1):
            team_recipients = [r for r in range(1, RECIPIENTS + 1) if r % TEAMS == team % TEAMS]
            team_carers = list(range((team - 1) * CARERS_PER_TEAM + 1, team * CARERS_PER_TEAM + 1))
            for shift, routes, per_route, start_min, end_min in SHIFTS:
                ids["plan"] += 1
                plan_id = ids["plan"]
                published = local_instant(day, dt.time(6, 0))
                rows["plan"].append(
                    {
                        "id": plan_id,
                        "date": day,
                        "team_id": team,
                        "shift_kind": shift.name,
                        "status": PlanStatus.published.name,
                        "source": "solver",
                        "created_at": published,
                        "published_at": published,
                        "objective": {},
                        "stats": {},
                        "unassigned": [],
                        "issues": [],
                    }
                )
                working = rng.sample(team_carers, routes)
                for carer in working:
                    ids["route"] += 1
                    route_id = ids["route"]
                    shift_start = local_instant(day, dt.time(start_min // 60, start_min % 60))
                    rows["route"].append(
                        {
                            "id": route_id,
                            "plan_id": plan_id,
                            "carer_id": carer,
                            "shift_start": shift_start,
                            "shift_end": shift_start + dt.timedelta(minutes=end_min - start_min),
                            "break_minutes": 0,
                            "travel_seconds": per_route * rng.randint(240, 600),
                        }
                    )
                    clock = shift_start + dt.timedelta(minutes=10)
                    for seq in range(per_route + rng.randint(-2, 2)):
                        ids["stop"] += 1
                        stop_id = ids["stop"]
                        minutes = rng.choice((10, 15, 20, 20, 25, 30, 45))
                        window_start = clock.replace(minute=0, second=0, microsecond=0)
                        window_end = window_start + dt.timedelta(minutes=rng.choice((60, 120)))
                        rows["stop"].append(
                            {
                                "id": stop_id,
                                "route_id": route_id,
                                "seq": seq,
                                "recipient_id": rng.choice(team_recipients),
                                "window_start": window_start,
                                "window_end": window_end,
                                "planned_arrival": clock,
                                "planned_start": clock,
                                "planned_end": clock + dt.timedelta(minutes=minutes),
                                "travel_seconds": rng.randint(120, 900),
                                "visit_key": f"s{stop_id}",
                                "fixed": False,
                            }
                        )
                        fate = rng.random()
                        if fate < 0.03:
                            pass  # missed
                        elif fate < 0.05:
                            add_event(
                                rows,
                                ids,
                                stop_id,
                                carer,
                                VisitEventKind.cancel,
                                clock - dt.timedelta(hours=1),
                            )
                        else:
                            delay = rng.gauss(0, 30) if rng.random() < 0.35 else rng.gauss(-10, 8)
                            check_in = max(window_start, clock + dt.timedelta(minutes=delay))
                            check_out = check_in + dt.timedelta(
                                minutes=max(3.0, rng.gauss(minutes, minutes * 0.3))
                            )
                            add_event(rows, ids, stop_id, carer, VisitEventKind.check_in, check_in)
                            add_event(rows, ids, stop_id, carer, VisitEventKind.check_out, check_out)
                            if check_in > window_end and rng.random() < 0.8:
                                ids["notice"] += 1
                                sent = window_end - dt.timedelta(minutes=rng.randint(1, 30))
                                rows["notice"].append(
                                    {
                                        "id": ids["notice"],
                                        "key": f"stop{stop_id}:delay:1",
                                        "stop_id": stop_id,
                                        "recipient_id": rows["stop"][-1]["recipient_id"],
                                        "kind": "delay",
                                        "revision": 1,
                                        "expected_start": check_in,
                                        "lateness_minutes": 20,
                                        "source": "eta",
                                        "status": "delivered",
                                        "status_reason": "",
                                        "created_at": sent,
                                    }
                                )
                                rows["notice_message"].append(
                                    {
                                        "id": ids["notice"],
                                        "notice_id": ids["notice"],
                                        "reference": f"hr-{ids['notice']}",
                                        "phone": "+4791234567",
                                        "to_next_of_kin": False,
                                        "language": "nb",
                                        "text": "Hjemmetjenesten: …",
                                        "encoding": "GSM-7",
                                        "segments": 1,
                                        "status": "delivered",
                                        "status_reason": "",
                                        "gateway": "link",
                                        "attempts": 1,
                                        "next_attempt_at": sent,
                                        "valid_until": sent + dt.timedelta(hours=1),
                                        "created_at": sent,
                                        "accepted_at": sent,
                                        "final_at": sent,
                                    }
                                )
                        clock += dt.timedelta(minutes=minutes + rng.randint(5, 20))
    tables = {
        "plan": Plan,
        "route": Route,
        "stop": Stop,
        "visit_event": VisitEvent,
        "notice": Notice,
        "notice_message": NoticeMessage,
    }
    with engine.begin() as conn:
        for name, model in tables.items():
            table = model.__table__  # type: ignore[attr-defined]
            for i in range(0, len(rows[name]), 20_000):
                conn.execute(insert(table), rows[name][i : i + 20_000])
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
            )
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return len(rows["stop"])


def add_event(
    rows: dict[str, list[dict[str, object]]],
    ids: dict[str, int],
    stop_id: int,
    carer: int,
    kind: VisitEventKind,
    when: dt.datetime,
) -> None:
    ids["visit_event"] += 1
    rows["visit_event"].append(
        {
            "id": ids["visit_event"],
            "event_uuid": str(uuid.UUID(int=ids["visit_event"])),
            "stop_id": stop_id,
            "carer_id": carer,
            "kind": kind.name,
            "device_time": when,
            "server_time": when,
            "note": "",
            "conflict": "",
        }
    )


def best_ms(action: object, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()  # type: ignore[operator]
        times.append((time.perf_counter() - began) * 1000)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_KPI_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    fresh_database(args.database_url)
    settings = Settings(database_url=args.database_url, job_backend="inprocess")
    upgrade_to_head(settings)
    began = time.perf_counter()
    visits = generate(settings, args.seed)
    print(f"generated {visits} visits in {time.perf_counter() - began:.0f} s")
    engine = make_engine(settings)
    monday = FIRST + dt.timedelta(weeks=26)
    last = FIRST + dt.timedelta(weeks=51)
    with Session(engine) as session:
        team = session.get(Team, 1)
        assert team is not None
        cold_ms = best_ms(lambda: team_series(session, team=team, last_monday=last, weeks=52), repeats=1)
        table = weekly_table(session, monday=monday, team_ids=range(1, TEAMS + 1))
        weekly_ms = best_ms(lambda: weekly_table(session, monday=monday, team_ids=range(1, TEAMS + 1)))
        series = team_series(session, team=team, last_monday=last, weeks=52)
        series_ms = best_ms(lambda: team_series(session, team=team, last_monday=last, weeks=52))
        check_ins(session, team_id=1, monday=last, count=200, seed=args.seed)
        after_ms = best_ms(lambda: team_series(session, team=team, last_monday=last, weeks=52), repeats=1)
        fresh = team_series(session, team=team, last_monday=last, weeks=52).weeks[-1]
        assert fresh.checked_in == by_definition(session, 1, last).checked_in, "stored week ≠ definition"
    for row in table:
        print(
            f"  {row.team_name} {row.week}: visits {row.visits}, punctual {row.punctuality_pct} %, "
            f"notice coverage {row.notice_coverage_pct} %, face-to-face {row.face_to_face_pct} %"
        )
    chart = next(c for c in series.charts if c.kpi == "punctuality_pct")
    print(
        f"  series {team.name}: {len(series.weeks)} weeks, punctuality mean {chart.mean} ({chart.lower}-{chart.upper})"
    )
    print(
        f"RESULT visits={visits} weekly_table_ms={weekly_ms:.0f} series_ms={series_ms:.0f} "
        f"series_cold_ms={cold_ms:.0f} series_after_events_ms={after_ms:.0f}"
    )


def check_ins(session: Session, *, team_id: int, monday: dt.date, count: int, seed: int) -> None:
    """Late check-ins arriving through the ORM, as the API writes them (each leaves its weeks' marks)."""
    rng = random.Random(seed)
    stops = session.exec(
        select(Stop, Route.carer_id)
        .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .where(Plan.team_id == team_id, Plan.date >= monday, Plan.date <= monday + dt.timedelta(days=6))
    ).all()
    for stop, carer in rng.sample(list(stops), count):
        session.add(
            VisitEvent(
                event_uuid=str(uuid.uuid4()),
                stop_id=stop.id or 0,
                carer_id=carer,
                kind=VisitEventKind.check_in,
                device_time=stop.window_end + dt.timedelta(minutes=5),
            )
        )
    session.commit()


def by_definition(session: Session, team_id: int, monday: dt.date) -> Kpis:
    sunday = monday + dt.timedelta(days=6)
    visits, routes = load_records(
        session, team_ids=[team_id], start=sunday - dt.timedelta(days=27), end=sunday
    )
    return compute(
        [v for v in visits if v.date >= monday],
        [r for r in routes if r.date >= monday],
        daily=daily_carers(visits),
        period_end=sunday,
        now=dt.datetime.now(dt.UTC),
    )


if __name__ == "__main__":
    main()
