"""Shared by the benchmark scripts: where ../shared is, and running instances in worker processes."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HJEMMERUTE_SHARED", ROOT.parent / "shared"))
T = TypeVar("T")
R = TypeVar("R")


def require_shared(sub: str) -> Path:
    path = SHARED / sub
    if not path.exists():
        raise SystemExit(f"{path} is missing: put the shared folder beside the project (../shared)")
    return path


def run_all(func: Callable[[T], R], items: Iterable[T], jobs: int) -> list[R]:
    """Each instance in its own process (one solver thread each); jobs ≤ cores keeps timings honest."""
    items = list(items)
    if jobs <= 1:
        return [func(item) for item in items]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(func, items))


def machine() -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"commit={commit or '?'} cpus={os.cpu_count()} python={platform.python_version()} {platform.machine()}"


def benchmark_coordinator(session: Any, team_ids: list[int]) -> Any:
    """A coordinator login of the teams (the access log names who changed an agreed time), as a Principal."""
    from backend.admin.service import create_user
    from backend.auth.models import UserCreate
    from backend.auth.service import Principal
    from backend.common.enums import Role

    user = create_user(
        session,
        data=UserCreate(
            username="koordinator",
            full_name="Koordinator",
            password="benchmark-passord-1",
            role=Role.coordinator,
            team_ids=team_ids,
        ),
    )
    return Principal(user.id or 0, user.username, Role.coordinator, frozenset(team_ids), None)
