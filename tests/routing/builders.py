"""Small builders for routing tests: a line of houses along a road, times in seconds from midnight."""

from __future__ import annotations

import numpy as np

from routing import Carer, TimeWindow, Visit

H = 3600
M = 60


def line_matrix(n: int, step: int = 5 * M) -> np.ndarray:
    """Location i sits i·step seconds from the base (location 0) along one road."""
    positions = np.arange(n) * step
    return np.abs(positions[:, None] - positions[None, :]).astype(np.int64)


def visit(vid: str, loc: int, start_h: float, end_h: float, minutes: int = 20, **extra: object) -> Visit:
    """A visit with an agreed window [start, end] (soft end) and a hard window until end + 2 h."""
    start, end = int(start_h * H), int(end_h * H)
    hard_end = extra.pop("hard_end", end + 2 * H)
    return Visit(vid, loc, minutes * M, (TimeWindow(start, int(hard_end)),), soft_end=end, **extra)  # type: ignore[arg-type]


def carer(
    cid: str, start_h: float = 7.5, end_h: float = 15.0, comp: set[str] | None = None, **extra: object
) -> Carer:
    return Carer(
        cid, 0, 0, int(start_h * H), int(end_h * H), frozenset(comp or {"helsefagarbeider"}), **extra
    )  # type: ignore[arg-type]
