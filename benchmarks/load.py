"""Load on a municipal day: 150 carers' tablets, 5 coordinators and a manager against the API served by
uvicorn with 2 worker processes on PostgreSQL, with a procrastinate worker solving re-plans meanwhile.

Set-up (not timed): today's Lier (the scenario generator's `lier` preset on the real Liechtenstein OSM
roads, ../shared) planned by the product for the day and evening shifts and published; to reach 150
tablets, extra teams carry copies of those published routes, each with its own carers (their visits are the
same recipients at the same times: what matters here is a real route per tablet). Every simulated user has
an API token.

The load (asyncio + httpx, one process), for --seconds (300):
- each carer polls `/my/day/revision` every 20 s (ETag; the full `/my/day` when it changed, and at start),
  checks in and out of the next visit about once a minute, and reports «Forsinket» after 5 % of check-ins;
- each coordinator every 10 s lists today's plans and opens one with its live view; each starts one
  re-plan of the rest of the day (a procrastinate job: the solver runs in the worker) and publishes it;
- the manager every 5 s reads the weekly KPI table, a team's 52-week series and the dashboard page.

    python benchmarks/load.py [--database-url postgresql://…/hjemmerute_load] [--seconds 300] [--carers 150]

Ends with: RESULT carers=N requests=N errors=N p95_my_day_ms=X p95_event_ms=Y p95_kpi_ms=Z
(errors: 5xx answers and failed connections; targets on 2 cores: errors 0, /my/day and events ≤ 250 ms,
KPI pages ≤ 500 ms)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.auth.deps import SESSION_COOKIE
from backend.auth.models import CoordinatorTeam, User
from backend.auth.service import Principal, issue_token
from backend.carers.models import Carer
from backend.common.enums import PlanStatus, Role, ShiftKind
from backend.common.localtime import local_date_of
from backend.common.types import utcnow
from backend.db import make_engine
from backend.migrations import upgrade_to_head
from backend.planning.flows import plan_teams
from backend.planning.models import Plan, Route, Stop
from backend.planning.service import publish_plan
from backend.scenarios.generator import generate
from backend.scenarios.presets import PRESETS
from backend.scenarios.store import reachable_places, store
from backend.settings import Settings
from backend.teams.models import Team
from benchmarks._common import machine, require_shared
from benchmarks.kpis import fresh_database
from maps import load_network, save_network
from tests.local_server import free_port

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/hjemmerute_load"
NETWORK = "liechtenstein"


@dataclass
class Users:
    carers: list[str] = field(default_factory=list)  # tokens
    coordinators: list[str] = field(default_factory=list)
    manager: str = ""
    real_team_ids: list[int] = field(default_factory=list)


def _user(
    session: Session, username: str, role: Role, carer_id: int | None = None, teams: list[int] | None = None
) -> str:
    """A login without a password (the benchmark holds its token) and its API token."""
    user = User(
        username=username, full_name=username, password_hash="!benchmark", role=role, carer_id=carer_id
    )
    session.add(user)
    session.flush()
    for team_id in teams or []:
        session.add(CoordinatorTeam(user_id=user.id or 0, team_id=team_id))
    session.commit()
    token, _ = issue_token(session, user=user, ttl_hours=12)
    return token


def _copy_plan(session: Session, plan: Plan, team: Team, carer_names: list[str]) -> list[int]:
    """The published plan's routes again in another team, each for a new carer of that team."""
    copy = Plan(
        date=plan.date,
        team_id=team.id or 0,
        shift_kind=plan.shift_kind,
        status=PlanStatus.published,
        source="copy",
        published_at=plan.published_at,
        revision=1,
        objective=plan.objective,
        stats=plan.stats,
    )
    session.add(copy)
    session.flush()
    carers = []
    routes = list(session.exec(select(Route).where(Route.plan_id == plan.id)))
    for route, name in zip(routes, carer_names, strict=False):
        carer = Carer(name=name, team_id=team.id or 0, competences=["helsefagarbeider", "sykepleier"])
        session.add(carer)
        session.flush()
        carers.append(carer.id or 0)
        new_route = Route(
            **route.model_dump(exclude={"id", "plan_id", "carer_id"}),
            plan_id=copy.id or 0,
            carer_id=carer.id or 0,
        )
        session.add(new_route)
        session.flush()
        for stop in session.exec(select(Stop).where(Stop.route_id == route.id)):
            session.add(
                Stop(
                    **stop.model_dump(exclude={"id", "route_id", "origin_stop_id"}),
                    route_id=new_route.id or 0,
                )
            )
    session.commit()
    return carers


def set_up(settings: Settings, carers_wanted: int, seed: int) -> Users:
    """Today's Lier planned and published, copies up to `carers_wanted` tablets, and every user's token."""
    pbf = require_shared("osm/liechtenstein-latest.osm.pbf")
    network = load_network(pbf, "car", name=NETWORK)
    save_network(network, settings.network_dir / f"{NETWORK}-car.graphml")
    today = local_date_of(utcnow())
    scenario = generate(PRESETS["lier"], reachable_places(pbf, network), seed=seed, start=today, days=1)
    engine = make_engine(settings)
    users = Users()
    with Session(engine) as session:
        store(session, scenario)
        teams = list(session.exec(select(Team)))
        users.real_team_ids = [t.id or 0 for t in teams]
        system = Principal(0, "benchmark", Role.coordinator, frozenset(users.real_team_ids), None)
        plans = []
        for shift in (ShiftKind.day, ShiftKind.evening):
            began = time.monotonic()
            plans += plan_teams(
                session,
                day=today,
                shift_kind=shift,
                team_ids=users.real_team_ids,
                created_by=None,
                settings=settings,
            )
            print(f"planned {shift.value}: {len(teams)} teams in {time.monotonic() - began:.0f} s")
        for plan in plans:
            publish_plan(session, principal=system, plan_id=plan.id or 0)
        published = select(Route).join(Plan).where(col(Plan.status) == PlanStatus.published)
        carer_ids = list(dict.fromkeys(r.carer_id for r in session.exec(published)))
        copies = 0
        while len(carer_ids) < carers_wanted:
            copies += 1
            for plan in plans:
                team = Team(
                    name=f"Lastteam {copies}-{plan.team_id}",
                    base_address="Base",
                    base_lat=47.14,
                    base_lon=9.52,
                )
                existing = session.exec(select(Team).where(Team.name == team.name)).first()
                if existing is None:
                    session.add(team)
                    session.flush()
                else:
                    team = existing
                names = [f"Lastpleier {copies}-{plan.id}-{i}" for i in range(100)]
                carer_ids += _copy_plan(session, plan, team, names)
            carer_ids = list(dict.fromkeys(carer_ids))
        for carer_id in carer_ids[:carers_wanted]:
            users.carers.append(_user(session, f"pleier-{carer_id}", Role.carer, carer_id=carer_id))
        for i in range(5):
            users.coordinators.append(
                _user(
                    session, f"koordinator-{i}", Role.coordinator, teams=[users.real_team_ids[i % len(teams)]]
                )
            )
        all_teams = [t.id or 0 for t in session.exec(select(Team))]
        users.manager = _user(session, "leder", Role.manager, teams=all_teams)
        print(f"tablets: {len(users.carers)} carers with a route ({copies} copies of the planned day)")
    engine.dispose()
    return users


@dataclass
class Measured:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: int = 0
    replans: list[str] = field(default_factory=list)
    replans_started: int = 0


async def call(
    client: httpx.AsyncClient, measured: Measured, kind: str, method: str, url: str, token: str, **kwargs: Any
) -> httpx.Response | None:
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    began = time.perf_counter()
    try:
        answer = await client.request(method, url, headers=headers, **kwargs)
    except httpx.HTTPError as exc:
        measured.errors.append(f"{kind} {url}: {type(exc).__name__} {exc}")
        return None
    finally:
        measured.requests += 1
    measured.latencies[kind].append((time.perf_counter() - began) * 1000)
    if answer.status_code >= 500:
        measured.errors.append(f"{kind} {url}: HTTP {answer.status_code} {answer.text[:200]}")
    elif answer.status_code >= 400:
        measured.refused[f"{kind} {answer.status_code}"] += 1
    return answer


def _next_stop(day: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for route in day.get("routes", []):
        for stop in route["stops"]:
            if stop.get("checked_out_at") is None:
                return route, stop
    return None


async def carer(
    client: httpx.AsyncClient, measured: Measured, token: str, until: float, rng: random.Random
) -> None:
    await asyncio.sleep(rng.uniform(0, 20))
    answer = await call(client, measured, "my_day", "GET", "/api/v1/my/day", token)
    day = answer.json() if answer is not None and answer.status_code == 200 else {}
    etag = ""
    next_event = time.monotonic() + rng.uniform(20, 90)
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(18, 22))
        polled = await call(
            client,
            measured,
            "revision",
            "GET",
            "/api/v1/my/day/revision",
            token,
            headers={"If-None-Match": etag} if etag else {},
        )
        if polled is not None and polled.status_code == 200:
            etag = polled.headers.get("etag", "")
            full = await call(client, measured, "my_day", "GET", "/api/v1/my/day", token)
            day = full.json() if full is not None and full.status_code == 200 else day
        if time.monotonic() >= next_event and (found := _next_stop(day)):
            route, stop = found
            kind = "check_out" if stop.get("checked_in_at") else "check_in"
            now = dt.datetime.now(dt.UTC).isoformat()
            body = {"event_uuid": str(uuid.uuid4()), "stop_id": stop["id"], "kind": kind, "device_time": now}
            done = await call(client, measured, "event", "POST", "/api/v1/visit-events", token, json=body)
            if done is not None and done.status_code in (200, 201):
                stop["checked_in_at" if kind == "check_in" else "checked_out_at"] = now
            if kind == "check_in" and rng.random() < 0.05:
                report = {
                    "request_uuid": str(uuid.uuid4()),
                    "route_id": route["route_id"],
                    "device_time": now,
                }
                await call(client, measured, "event", "POST", "/api/v1/my/delay-notices", token, json=report)
            next_event = time.monotonic() + rng.uniform(40, 80)


async def _replan(client: httpx.AsyncClient, measured: Measured, token: str, plan_id: int) -> None:
    """Re-plan the rest of the day, wait for the worker, publish: the planning job during the load."""
    measured.replans_started += 1
    try:
        await _replan_steps(client, measured, token, plan_id)
    except Exception as exc:  # a benchmark reports what went wrong instead of losing the task
        measured.replans.append(f"plan {plan_id}: {type(exc).__name__} {exc}")


async def _replan_steps(client: httpx.AsyncClient, measured: Measured, token: str, plan_id: int) -> None:
    began = time.monotonic()
    started = await call(
        client, measured, "coordinator", "POST", f"/api/v1/plans/{plan_id}/replan", token, json={}
    )
    if started is None or started.status_code != 202:
        measured.replans.append(
            f"plan {plan_id}: not started ({started.status_code if started else 'no answer'})"
        )
        return
    job_id = started.json()["id"]
    while True:
        await asyncio.sleep(2)
        job = await call(client, measured, "coordinator", "GET", f"/api/v1/jobs/{job_id}", token)
        if job is None or job.json()["status"] in ("done", "failed"):
            break
    result = (job.json().get("result") or {}) if job is not None else {}
    draft = result.get("plan_id")
    if draft:
        await call(
            client,
            measured,
            "coordinator",
            "POST",
            f"/api/v1/plans/{draft}/publish",
            token,
            json={"confirm": True},
        )
    status = job.json()["status"] if job is not None else "?"
    measured.replans.append(f"plan {plan_id}: {status} in {time.monotonic() - began:.0f} s (draft {draft})")


async def coordinator(
    client: httpx.AsyncClient, measured: Measured, token: str, until: float, rng: random.Random, index: int
) -> None:
    today = local_date_of(utcnow()).isoformat()
    replan_at = time.monotonic() + 20 + index * 40
    replanned = False
    while time.monotonic() < until:
        plans = await call(
            client, measured, "coordinator", "GET", "/api/v1/plans", token, params={"date": today}
        )
        published = [
            p
            for p in (plans.json() if plans is not None and plans.status_code == 200 else [])
            if p["status"] == "published"
        ]
        if published:
            plan = rng.choice(published)
            await call(client, measured, "coordinator", "GET", f"/api/v1/plans/{plan['id']}", token)
            await call(client, measured, "coordinator", "GET", f"/api/v1/plans/{plan['id']}/live", token)
            if not replanned and time.monotonic() >= replan_at:
                replanned = True
                asyncio.get_running_loop().create_task(_replan(client, measured, token, plan["id"]))
        await asyncio.sleep(rng.uniform(8, 12))


async def manager(
    client: httpx.AsyncClient, measured: Measured, token: str, until: float, team_id: int
) -> None:
    year, week, _ = local_date_of(utcnow()).isocalendar()
    label = f"{year}-W{week:02d}"
    while time.monotonic() < until:
        await call(client, measured, "kpi", "GET", "/api/v1/kpis/weekly", token, params={"week": label})
        await call(
            client,
            measured,
            "kpi_series",
            "GET",
            "/api/v1/kpis/series",
            token,
            params={"team_id": team_id, "until": label, "weeks": 52},
        )
        await call(
            client,
            measured,
            "kpi",
            "GET",
            "/nokkeltall",
            token,
            headers={"Cookie": f"{SESSION_COOKIE}={token}"},
        )
        await asyncio.sleep(5)


async def run_load(base_url: str, users: Users, seconds: float, seed: int) -> Measured:
    measured = Measured()
    rng = random.Random(seed)
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        tasks = [carer(client, measured, token, until, random.Random(rng.random())) for token in users.carers]
        tasks += [
            coordinator(client, measured, token, until, random.Random(rng.random()), i)
            for i, token in enumerate(users.coordinators)
        ]
        tasks.append(manager(client, measured, users.manager, until, users.real_team_ids[0]))
        await asyncio.gather(*tasks)
        for _ in range(180):  # let the re-plans started near the end finish
            if len(measured.replans) >= measured.replans_started:
                break
            await asyncio.sleep(1)
    return measured


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else (values[0] if values else 0.0)


def _processes(
    settings: Settings, env: dict[str, str], port: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    hjemmerute = str(Path(sys.executable).parent / "hjemmerute")
    api = subprocess.Popen(
        [hjemmerute, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=(logs / "api.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [hjemmerute, "worker"], env=env, stdout=(logs / "worker.log").open("wb"), stderr=subprocess.STDOUT
    )
    return [api, worker]


def _wait_ready(base_url: str) -> None:
    for _ in range(120):
        try:
            if httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"{base_url}/readyz never answered 200")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--carers", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hjemmerute-load-"))
    settings = Settings(
        database_url=args.database_url,
        network_dir=work / "networks",
        network_name=NETWORK,
        plan_workers=1,
        sms_outbox_file=work / "sms-outbox.jsonl",
    )
    fresh_database(args.database_url)
    upgrade_to_head(settings)
    began = time.monotonic()
    users = set_up(settings, args.carers, args.seed)
    print(f"set-up in {time.monotonic() - began:.0f} s; {machine()}")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "HJEMMERUTE_NETWORK_DIR": str(settings.network_dir),
        "HJEMMERUTE_NETWORK_NAME": NETWORK,
        "HJEMMERUTE_PLAN_WORKERS": "1",
        "HJEMMERUTE_SMS_OUTBOX_FILE": str(settings.sms_outbox_file),
        "HJEMMERUTE_SMS_DLR_SECRET": "load",
    }
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    processes = _processes(settings, env, port, work)
    try:
        _wait_ready(base_url)
        measured = asyncio.run(run_load(base_url, users, args.seconds, args.seed))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    for kind in sorted(measured.latencies):
        values = measured.latencies[kind]
        print(
            f"  {kind:12s} {len(values):6d} requests  median {statistics.median(values):6.0f} ms  p95 {p95(values):6.0f} ms  max {max(values):6.0f} ms"
        )
    for line in measured.replans:
        print(f"  re-plan {line}")
    if measured.refused:
        print(f"  refused (4xx, expected ones included): {dict(measured.refused)}")
    for error in measured.errors[:10]:
        print(f"  ERROR {error}")
    kpi = measured.latencies["kpi"] + measured.latencies["kpi_series"]
    print(f"  logs: {work}")
    print(
        f"RESULT carers={len(users.carers)} requests={measured.requests} errors={len(measured.errors)} "
        f"p95_my_day_ms={p95(measured.latencies['my_day']):.0f} p95_revision_ms={p95(measured.latencies['revision']):.0f} "
        f"p95_event_ms={p95(measured.latencies['event']):.0f} p95_kpi_ms={p95(kpi):.0f} "
        f"p95_kpi_series_ms={p95(measured.latencies['kpi_series']):.0f} p95_coordinator_ms={p95(measured.latencies['coordinator']):.0f}"
    )


if __name__ == "__main__":
    main()
