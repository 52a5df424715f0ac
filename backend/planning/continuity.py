"""Continuity: how many different carers each recipient meets in a week (published plans)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlmodel import Session, col, select

from backend.common.enums import PlanStatus
from backend.planning.models import ContinuityRow, Plan, Route, Stop
from backend.recipients.models import Recipient


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def weekly_continuity(
    session: Session, *, team_id: int, day: dt.date, extra_plan_id: int | None = None
) -> list[ContinuityRow]:
    """Per recipient of the team: visits and distinct carers in the ISO week of `day` (published plans,
    plus a draft under review when given), most carers first."""
    monday, sunday = week_of(day)
    plan_filter = (Plan.status == PlanStatus.published) | (Plan.id == extra_plan_id)
    rows = session.exec(
        select(Stop.recipient_id, Route.carer_id)
        .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .join(Recipient, Recipient.id == Stop.recipient_id)  # type: ignore[arg-type]
        .where(Recipient.team_id == team_id, Plan.date >= monday, Plan.date <= sunday, plan_filter)
    ).all()
    carers: dict[int, set[int]] = defaultdict(set)
    visits: dict[int, int] = defaultdict(int)
    for recipient_id, carer_id in rows:
        carers[recipient_id].add(carer_id)
        visits[recipient_id] += 1
    names = {r.id: r.name for r in session.exec(select(Recipient).where(col(Recipient.id).in_(list(carers))))}
    result = [
        ContinuityRow(
            recipient_id=rid, recipient_name=names.get(rid, ""), visits=visits[rid], distinct_carers=len(cs)
        )
        for rid, cs in carers.items()
    ]
    return sorted(result, key=lambda r: (-r.distinct_carers, r.recipient_name))
