"""Races tested with real threads: each started at the same moment, so they really compete."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

R = TypeVar("R")


def at_once(count: int, work: Callable[[int], R]) -> list[R]:
    """`work(0)` … `work(count - 1)` in as many threads, released together by a barrier; their results in
    order. An exception in any thread is raised here (a race that fails is never silent)."""
    start = threading.Barrier(count)

    def run(index: int) -> R:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
