"""Notice latency: from the check-out that makes a later visit late to the SMS arriving at the gateway.

On PostgreSQL with one procrastinate worker process (`hjemmerute worker`) and the API served by uvicorn,
as in production; the gateway is the local fake speaking LINK Mobility's REST format over HTTP. Each of
the N trials is its own carer (own login and route): visit A, then visit B whose agreed window ended 30
minutes ago. The carer checks out of A (POST /api/v1/visit-events); in that transaction the server
re-estimates B, finds it late beyond the threshold, writes the notice and its SMS rows (the recipient
consented), and kicks the sender; the worker sends. Latency = the fake gateway's arrival time − the moment
before the check-out request. Also counted: SMS per reference at the gateway (duplicates) and committed
messages that never reached it (lost).

    python benchmarks/notice_latency.py [--trials 200] [--database-url postgresql://…/hjemmerute_bench]

Ends with: RESULT p50_ms=X p95_ms=Y duplicates=0 lost=0
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import uvicorn
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.app import create_app  # noqa: E402
from backend.auth.models import User  # noqa: E402
from backend.auth.service import issue_token  # noqa: E402
from backend.carers.models import Carer  # noqa: E402
from backend.common.enums import PlanStatus, Role, ShiftKind  # noqa: E402
from backend.common.localtime import local_date_of  # noqa: E402
from backend.common.types import utcnow  # noqa: E402
from backend.db import make_engine  # noqa: E402
from backend.migrations import upgrade_to_head  # noqa: E402
from backend.notices.models import NoticeMessage  # noqa: E402
from backend.planning.models import Plan, Route, Stop  # noqa: E402
from backend.recipients.models import Recipient  # noqa: E402
from backend.settings import Settings  # noqa: E402
from backend.teams.models import Team  # noqa: E402
from tests.fake_gateway import running_fake_gateway  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/hjemmerute_bench"


def fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build_trials(settings: Settings, trials: int) -> list[tuple[str, int]]:
    """(token, stop id of visit A) per trial; visit B's window ended 30 min ago."""
    engine = make_engine(settings)
    now = utcnow()
    out = []
    with Session(engine) as session:
        team = Team(name="Benk", base_address="Vaduz", base_lat=47.14, base_lon=9.52)
        session.add(team)
        session.commit()
        for i in range(trials):
            carer = Carer(name=f"Pleier {i}", team_id=team.id or 0, competences=["helsefagarbeider"])
            recipient = Recipient(
                name=f"Bruker {i}",
                address=f"Gate {i}",
                lat=47.14,
                lon=9.52,
                phone=f"+47912{i:05d}",
                notice_consent=True,
                team_id=team.id or 0,
            )
            session.add(carer)
            session.add(recipient)
            session.flush()
            user = User(
                username=f"pleier{i}",
                full_name=f"Pleier {i}",
                password_hash="!",
                role=Role.carer,
                carer_id=carer.id,
            )
            plan = Plan(
                date=local_date_of(now),
                team_id=team.id or 0,
                shift_kind=ShiftKind.day,
                status=PlanStatus.published,
                published_at=now,
            )
            session.add(user)
            session.add(plan)
            session.flush()
            route = Route(plan_id=plan.id or 0, carer_id=carer.id or 0)
            session.add(route)
            session.flush()
            hour = dt.timedelta(hours=1)
            a = Stop(
                route_id=route.id or 0,
                seq=0,
                recipient_id=recipient.id or 0,
                window_start=now - 2 * hour,
                window_end=now - hour,
                planned_arrival=now - 2 * hour,
                planned_start=now - 2 * hour,
                planned_end=now - 2 * hour + dt.timedelta(minutes=30),
            )
            b = Stop(
                route_id=route.id or 0,
                seq=1,
                recipient_id=recipient.id or 0,
                window_start=now - 1.5 * hour,
                window_end=now - 0.5 * hour,
                planned_arrival=now - 1.5 * hour,
                planned_start=now - 1.5 * hour,
                planned_end=now - 1.5 * hour + dt.timedelta(minutes=20),
                travel_seconds=300,
            )
            session.add(a)
            session.add(b)
            session.flush()
            token, _ = issue_token(session, user=user, ttl_hours=2)
            out.append((token, a.id or 0))
        session.commit()
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    fresh_database(args.database_url)
    with running_fake_gateway() as (gateway_url, gateway):
        env = {
            "HJEMMERUTE_DATABASE_URL": args.database_url,
            "HJEMMERUTE_JOB_BACKEND": "procrastinate",
            "HJEMMERUTE_SMS_GATEWAY": "link",
            "HJEMMERUTE_SMS_GATEWAY_URL": f"{gateway_url}/link/sms/send",
            "HJEMMERUTE_SMS_USER": "bench",
            "HJEMMERUTE_SMS_PASSWORD": "bench",
            "HJEMMERUTE_SMS_RATE_PER_SECOND": "100",
        }
        os.environ.update(env)
        settings = Settings()
        upgrade_to_head(settings)
        trials = build_trials(settings, args.trials)
        app = create_app(settings)
        port = 8765
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        worker = subprocess.Popen(
            [sys.executable, "-c", "from backend.cli import main; main()", "worker"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(3)  # the worker connects and listens
        latencies = []
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                for token, stop_a in trials:
                    seen = len(gateway.received)
                    began = time.time()
                    answer = client.post(
                        "/api/v1/visit-events",
                        headers={"Authorization": f"Bearer {token}"},
                        json={
                            "event_uuid": str(uuid.uuid4()),
                            "stop_id": stop_a,
                            "kind": "check_out",
                            "device_time": utcnow().isoformat(),
                        },
                    )
                    answer.raise_for_status()
                    deadline = time.time() + 30
                    while len(gateway.received) == seen and time.time() < deadline:
                        time.sleep(0.002)
                    if len(gateway.received) > seen:
                        latencies.append((gateway.received[seen].at - began) * 1000)
            time.sleep(2)  # anything late or doubled would arrive now
        finally:
            worker.terminate()
            worker.wait(timeout=10)
            server.should_exit = True
        engine = make_engine(settings)
        with Session(engine) as session:
            messages = list(session.exec(select(NoticeMessage)))
        per_reference = gateway.per_reference()
        duplicates = sum(count - 1 for count in per_reference.values())
        lost = sum(1 for m in messages if m.reference not in per_reference)
        engine.dispose()
        latencies.sort()
        p50 = statistics.median(latencies) if latencies else float("nan")
        p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)] if latencies else float("nan")
        print(
            f"trials={len(trials)} measured={len(latencies)} messages={len(messages)} "
            f"gateway_received={len(gateway.received)} max_ms={max(latencies, default=0):.0f}"
        )
        print(f"RESULT p50_ms={p50:.0f} p95_ms={p95:.0f} duplicates={duplicates} lost={lost}")


if __name__ == "__main__":
    main()
