"""The home-care routing problem: visits, carers and links in integer seconds since the plan day's start.

Every constructor validates its input and raises ValueError with a message that names the object and what
is wrong, so a bad problem never reaches the solver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TimeWindow:
    """[start, end]: the service may start at any second in it."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"time window ends ({self.end}) before it starts ({self.start})")

    def contains(self, t: int) -> bool:
        return self.start <= t <= self.end


@dataclass(frozen=True)
class Visit:
    """One carer's presence at one place for `duration` seconds.

    `windows` are hard: the service must start inside one. `soft_end` is the agreed window's end: starting
    later is allowed (up to the hard window) and costs `lateness_weight` per second late; it may lie before
    the hard window opens when something else (a link to a visit in another shift) forces a late start, and
    then every start is late. A double-staffed
    visit is two Visits joined by a SameStart link. `anchor_start` is when the same visit started on the
    earlier days planned (its usual time): starting further from it than the weights' anchor tolerance
    costs `anchor_per_second` per second (predictable times across days; below punctuality, above travel).
    """

    id: str
    location: int
    duration: int
    windows: tuple[TimeWindow, ...]
    soft_end: int | None = None
    lateness_weight: int = 1
    competences: frozenset[str] = frozenset()
    mandatory: bool = True
    drop_penalty: int = 0
    forbidden_carers: frozenset[str] = frozenset()
    preferred_carers: frozenset[str] = frozenset()
    pinned_carer: str | None = None
    keep_pinned: bool = False  # pinned by the coordinator: a re-plan's freed phase keeps `pinned_carer`
    fixed_start: int | None = None
    demand: int = 0
    anchor_start: int | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a visit needs a non-empty id")
        if self.duration < 0:
            raise ValueError(f"visit {self.id}: duration must be ≥ 0, got {self.duration}")
        if not self.windows:
            raise ValueError(f"visit {self.id}: needs at least one time window")
        ordered = sorted(self.windows, key=lambda w: w.start)
        for a, b in pairwise(ordered):
            if b.start <= a.end:
                raise ValueError(
                    f"visit {self.id}: time windows overlap ({a.start}-{a.end}, {b.start}-{b.end})"
                )
        object.__setattr__(self, "windows", tuple(ordered))
        if self.lateness_weight < 0:
            raise ValueError(f"visit {self.id}: lateness_weight must be ≥ 0")
        if not self.mandatory and self.drop_penalty < 0:
            raise ValueError(f"visit {self.id}: drop_penalty must be ≥ 0")
        if self.fixed_start is not None and not any(w.contains(self.fixed_start) for w in self.windows):
            raise ValueError(f"visit {self.id}: fixed start {self.fixed_start} lies outside its time windows")
        if self.pinned_carer is not None and self.pinned_carer in self.forbidden_carers:
            raise ValueError(f"visit {self.id}: pinned to carer {self.pinned_carer}, who is also forbidden")
        if self.demand < 0:
            raise ValueError(f"visit {self.id}: demand must be ≥ 0")

    def off_anchor(self, start: int, tolerance: int) -> int:
        """Seconds the start lies beyond the tolerance around the usual time (0 without an anchor)."""
        if self.anchor_start is None:
            return 0
        return max(0, abs(start - self.anchor_start) - tolerance)

    def start_from(self, arrival: int) -> int | None:
        """The earliest start at or after `arrival` inside one of the hard windows (the fixed start, if
        any); None when every window has closed."""
        if self.fixed_start is not None:
            return self.fixed_start if arrival <= self.fixed_start else None
        for window in self.windows:
            if arrival <= window.end:
                return max(arrival, window.start)
        return None

    @property
    def earliest(self) -> int:
        return self.windows[0].start

    @property
    def latest(self) -> int:
        return self.windows[-1].end


@dataclass(frozen=True)
class Break:
    """A break of `duration` seconds starting between earliest_start and latest_start."""

    earliest_start: int
    latest_start: int
    duration: int

    def __post_init__(self) -> None:
        if self.latest_start < self.earliest_start:
            raise ValueError("break: latest start is before earliest start")
        if self.duration <= 0:
            raise ValueError("break: duration must be > 0")


@dataclass(frozen=True)
class Carer:
    """One shift of one carer: where it starts and ends, what the carer may do, how they travel."""

    id: str
    start_location: int
    end_location: int
    shift_start: int
    shift_end: int
    competences: frozenset[str] = frozenset()
    breaks: tuple[Break, ...] = ()
    max_working_time: int | None = None
    profile: str = "car"
    capacity: int | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a carer needs a non-empty id")
        if self.shift_end < self.shift_start:
            raise ValueError(f"carer {self.id}: shift ends before it starts")
        for b in self.breaks:
            if b.earliest_start < self.shift_start or b.latest_start + b.duration > self.shift_end:
                raise ValueError(f"carer {self.id}: a break lies outside the shift")
        if self.max_working_time is not None and self.max_working_time <= 0:
            raise ValueError(f"carer {self.id}: max_working_time must be > 0")
        if self.capacity is not None and self.capacity < 0:
            raise ValueError(f"carer {self.id}: capacity must be ≥ 0")


@dataclass(frozen=True)
class SameStart:
    """Two visits that must start at the same second, by two different carers (dobbeltbemanning)."""

    first: str
    second: str


@dataclass(frozen=True)
class Precedence:
    """`second` starts at least min_gap and at most max_gap seconds after `first` starts, when both are served."""

    first: str
    second: str
    min_gap: int = 0
    max_gap: int | None = None

    def __post_init__(self) -> None:
        if self.min_gap < 0:
            raise ValueError(f"link {self.first}→{self.second}: min_gap must be ≥ 0")
        if self.max_gap is not None and self.max_gap < self.min_gap:
            raise ValueError(f"link {self.first}→{self.second}: max_gap is below min_gap")


Link = SameStart | Precedence


@dataclass(frozen=True)
class Problem:
    """Everything the solver and the validator need; matrices hold travel seconds per profile."""

    matrices: Mapping[str, Matrix]
    visits: tuple[Visit, ...]
    carers: tuple[Carer, ...]
    links: tuple[Link, ...] = ()
    visit_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    carer_index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "visits", tuple(self.visits))
        object.__setattr__(self, "carers", tuple(self.carers))
        object.__setattr__(self, "links", tuple(self.links))
        if not self.matrices:
            raise ValueError("problem needs at least one travel-time matrix")
        size = None
        checked: dict[str, Matrix] = {}
        for profile, raw in self.matrices.items():
            matrix = np.asarray(raw)
            if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
                raise ValueError(f"matrix '{profile}' must be square, got shape {matrix.shape}")
            if not np.issubdtype(matrix.dtype, np.integer):
                raise ValueError(f"matrix '{profile}' must hold integer seconds, got {matrix.dtype}")
            if (matrix < 0).any():
                raise ValueError(f"matrix '{profile}' has negative travel times")
            if size is not None and matrix.shape[0] != size:
                raise ValueError("all matrices must cover the same locations")
            size = matrix.shape[0]
            checked[profile] = matrix.astype(np.int64, copy=False)
        object.__setattr__(self, "matrices", checked)
        assert size is not None
        visit_index = {v.id: i for i, v in enumerate(self.visits)}
        if len(visit_index) != len(self.visits):
            raise ValueError("visit ids must be unique")
        carer_index = {c.id: i for i, c in enumerate(self.carers)}
        if len(carer_index) != len(self.carers):
            raise ValueError("carer ids must be unique")
        for v in self.visits:
            if not 0 <= v.location < size:
                raise ValueError(f"visit {v.id}: location {v.location} is outside the matrix (size {size})")
            for cid in (
                *v.forbidden_carers,
                *v.preferred_carers,
                *([v.pinned_carer] if v.pinned_carer else []),
            ):
                if cid not in carer_index:
                    raise ValueError(f"visit {v.id}: refers to unknown carer {cid}")
        for c in self.carers:
            for loc in (c.start_location, c.end_location):
                if not 0 <= loc < size:
                    raise ValueError(f"carer {c.id}: location {loc} is outside the matrix (size {size})")
            if c.profile not in checked:
                raise ValueError(f"carer {c.id}: no matrix for travel profile '{c.profile}'")
        for link in self.links:
            for vid in (link.first, link.second):
                if vid not in visit_index:
                    raise ValueError(f"link refers to unknown visit {vid}")
            if link.first == link.second:
                raise ValueError(f"link joins visit {link.first} to itself")
        object.__setattr__(self, "visit_index", visit_index)
        object.__setattr__(self, "carer_index", carer_index)

    def travel(self, profile: str, a: int, b: int) -> int:
        return int(self.matrices[profile][a, b])

    def may_serve(self, carer: Carer, visit: Visit) -> bool:
        """Competence, forbidden and pinned rules (not time) allow this carer on this visit."""
        if visit.pinned_carer is not None and visit.pinned_carer != carer.id:
            return False
        return carer.id not in visit.forbidden_carers and visit.competences <= carer.competences
