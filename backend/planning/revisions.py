"""Plan revisions: which published plan a draft was made against, and why publishing it may undo work.

A draft remembers the revision published for its team, date and shift when it was made, and the last
absence registered then. Publishing a draft made against an older revision would silently undo a re-plan
made since (a sick carer's visits back on their list); one made before an absence was registered sends an
absent carer out. Both are refused unless the coordinator confirms.
"""

from __future__ import annotations

from sqlalchemy import ScalarSelect, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from backend.carers.models import Carer
from backend.common.enums import PlanStatus
from backend.common.localtime import local_clock
from backend.planning.models import Plan, Route, Stop
from backend.rota.models import Absence


def same_shift(plan: Plan):  # type: ignore[no-untyped-def]
    """The plans that compete with `plan` to be published (revisions, superseding, the unique index)."""
    return (Plan.team_id == plan.team_id, Plan.date == plan.date, Plan.shift_kind == plan.shift_kind)


def published_revision(session: Session, plan: Plan) -> int:
    """The revision now published for the plan's team, date and shift (0: nothing published)."""
    revision = session.exec(
        select(Plan.revision).where(*same_shift(plan), Plan.status == PlanStatus.published)
    ).first()
    return revision or 0


def next_revision(plan: Plan) -> ScalarSelect[int]:
    """One more than any revision the team, date and shift has had, so numbers never repeat: evaluated
    inside the publishing UPDATE, where the database has serialised concurrent publishers."""
    other = aliased(Plan)
    same = (other.team_id == plan.team_id, other.date == plan.date, other.shift_kind == plan.shift_kind)
    return select(func.coalesce(func.max(other.revision), 0) + 1).where(*same).scalar_subquery()


def stamp_draft(session: Session, plan: Plan) -> None:
    """Remember what the draft was made against (before it is stored)."""
    plan.from_revision = published_revision(session, plan)
    plan.absence_mark = int(session.exec(select(func.max(Absence.id))).one() or 0)


def stale_reasons(session: Session, plan: Plan) -> list[str]:
    """Why publishing the draft could undo what happened since it was made; empty when it is current."""
    reasons = []
    current = published_revision(session, plan)
    if current != plan.from_revision:
        made_from = f"revisjon {plan.from_revision}" if plan.from_revision else "før noe var publisert"
        reasons.append(
            f"Utkastet ble laget fra {made_from}, men revisjon {current} er publisert siden; "
            f"endringene i revisjon {current} (for eksempel en omplanlegging) blir borte."
        )
    busy = session.exec(
        select(Route.carer_id, func.min(Stop.planned_start), func.max(Stop.planned_end))
        .join(Stop, col(Stop.route_id) == Route.id)
        .where(Route.plan_id == plan.id, col(Stop.fixed).is_(False))
        .group_by(col(Route.carer_id))
    ).all()
    for carer_id, first, last in busy:
        absence = session.exec(
            select(Absence)
            .where(
                Absence.carer_id == carer_id,
                col(Absence.id) > plan.absence_mark,
                col(Absence.start) < last,
                col(Absence.end) > first,
            )
            .order_by(col(Absence.start))
        ).first()
        if absence is not None:
            carer = session.get(Carer, carer_id)
            name = carer.name if carer else f"Pleier {carer_id}"
            reasons.append(
                f"{name} er meldt fraværende fra {local_clock(absence.start)} etter at utkastet ble laget, "
                "men har fortsatt besøk i det."
            )
    return reasons
