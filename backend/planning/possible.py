"""What the municipality's whole shift could start on time: one bound over every team's visits and carers.

Each plan carries its own team's bound (backend.planning.store), but a day is more than its teams side by
side: visits are lent to a neighbouring team with room (backend.planning.lending), nurses work across teams,
and a sick call takes capacity from one team only. Pooling every team's carers and visits of a shift into
one routing problem relaxes all of that at once: any set of lists the teams can lay, with or without
lending, is a plan of the pooled problem, so its bound (routing.bound) is an upper bound on the visits the
shift can start inside their agreed windows as it is staffed (absences included). The simulator measures
its days against it; a visit kept out of the routing problem (no shift covers it, no road reaches the
address) counts as one that cannot be on time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from backend.common.enums import ShiftKind
from backend.decisions.expansion import visits_for
from backend.planning.flows import shift_input
from backend.planning.gather import shift_carers
from backend.planning.translate import shift_of, visit_keys
from backend.settings import Settings
from backend.teams.models import Team
from routing.bound import on_time_bound


@dataclass(frozen=True)
class PossibleOnTime:
    """`on_time_max` of `visits` (each half of a double-staffed visit counted, as the simulator counts
    visits due) could start inside their agreed windows at the most; `method` as in routing.bound."""

    visits: int
    on_time_max: int
    method: str


def shift_possible(
    session: Session, *, day: dt.date, shift_kind: ShiftKind, settings: Settings
) -> PossibleOnTime:
    """The pooled bound of every team's `shift_kind` shift on `day` (none on shift: nothing can be on time)."""
    teams = list(session.exec(select(Team).order_by(col(Team.id))))
    visits = [
        v
        for team in teams
        for v in visits_for(session, day=day, team_id=team.id or 0)
        if shift_of(v) == shift_kind
    ]
    carers = [
        c for team in teams for c in shift_carers(session, day=day, shift_kind=shift_kind, team=team)[0]
    ]
    due = sum(len(visit_keys(v)) for v in visits)  # the routing problem's visits, one per carer
    if not visits or not carers:
        return PossibleOnTime(due, 0, "empty")
    inp = shift_input(
        session,
        day=day,
        shift_kind=shift_kind,
        team=teams[0],
        visits=visits,
        carers=carers,
        settings=settings,
        anchored=False,  # usual times and the week's carers weigh nothing in the bound
    )
    if inp.problem is None:
        return PossibleOnTime(due, 0, "empty")
    bound = on_time_bound(inp.problem)
    return PossibleOnTime(due, bound.on_time_max, bound.method)
