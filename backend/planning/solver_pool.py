"""Solving happens outside the process that answers requests. OR-Tools and PyVRP hold the CPU (and much
of the interpreter) for seconds to minutes; run in a thread of the web server, a single team's planning once
froze every request, even static files, for three minutes. One pool of spawned processes per server
process, made on first use and kept, so the import cost is paid once."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

SOLVER_NICENESS = 10  # below the serving processes: a solve takes what the requests leave of the CPU

_lock = threading.Lock()


def _lower_priority() -> None:
    """Why: on a small server (2 cores) a solve and the API share the CPU; at a lower priority the solve
    only slows down while carers poll, instead of their requests waiting behind it."""
    os.nice(SOLVER_NICENESS)


_pool: list[ProcessPoolExecutor] = []


def _executor(workers: int) -> ProcessPoolExecutor:
    with _lock:
        if not _pool:
            _pool.append(
                ProcessPoolExecutor(
                    max_workers=max(1, workers),
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_lower_priority,
                )
            )
            atexit.register(_pool[0].shutdown, wait=False, cancel_futures=True)
        return _pool[0]


def submit(workers: int, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> Future[R]:
    """Run `fn` in a solver process (`workers`: the pool's size when it is made, settings.plan_workers)."""
    return _executor(workers).submit(fn, *args, **kwargs)
