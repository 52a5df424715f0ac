"""Marks the weeks whose KPIs a change can alter, in the same transaction as the change.

Registered once on every SQLAlchemy session (importing this module is enough; backend.kpis.weekly does),
so no write path has to remember it: a visit event, an SMS the gateway accepted, or a new primary contact
leaves a kpi_dirty row for each week it enters. Published plans need no mark: the stored week keeps a
fingerprint of the plans it was computed from (kpis.weekly).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col

from backend.kpis.definitions import CONTINUITY_DAYS
from backend.kpis.models import KpiDirty, KpiWeek
from backend.notices.models import Notice, NoticeMessage
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import Recipient
from backend.visits.models import VisitEvent


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weeks_entered(day: dt.date) -> list[dt.date]:
    """The Mondays of the weeks a visit on `day` counts in: its own, and those whose continuity window
    (the 28 days ending on their Sunday) reaches back to it."""
    first, last = monday_of(day), monday_of(day + dt.timedelta(days=max(CONTINUITY_DAYS) - 1))
    return [first + dt.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def _changed(obj: Any, attribute: str) -> bool:
    return bool(inspect(obj).attrs[attribute].history.has_changes())


def _touched(session: OrmSession) -> tuple[set[int], set[int], set[int]]:
    """Stop ids, notice ids and recipient ids whose change can move a KPI, from what is being flushed."""
    stops: set[int] = set()
    notices: set[int] = set()
    recipients: set[int] = set()
    for obj in session.new:
        if isinstance(obj, VisitEvent | Notice) and obj.stop_id is not None:
            stops.add(obj.stop_id)
        elif isinstance(obj, NoticeMessage) and obj.accepted_at is not None:
            notices.add(obj.notice_id)
    for obj in session.dirty:
        if isinstance(obj, NoticeMessage) and _changed(obj, "accepted_at"):
            notices.add(obj.notice_id)
        elif isinstance(obj, Recipient) and obj.id is not None and _changed(obj, "primary_carer_id"):
            recipients.add(obj.id)
    return stops, notices, recipients


def _team_days(db: Connection, stops: set[int], notices: set[int]) -> set[tuple[int, dt.date]]:
    if notices:
        about = db.execute(sql_select(col(Notice.stop_id)).where(col(Notice.id).in_(notices))).scalars()
        stops |= {stop_id for stop_id in about if stop_id is not None}  # an agreement's notice has no stop
    if not stops:
        return set()
    return {
        (team_id, date)
        for team_id, date in db.execute(
            sql_select(col(Plan.team_id), col(Plan.date))
            .join(Route, Route.plan_id == Plan.id)  # type: ignore[arg-type]
            .join(Stop, Stop.route_id == Route.id)  # type: ignore[arg-type]
            .where(col(Stop.id).in_(stops))
            .distinct()
        )
    }


def mark(db: Connection, weeks: Iterable[tuple[int, dt.date]]) -> None:
    """Leave a mark on each (team, Monday): the next read or refresh computes those weeks again."""
    rows = [{"team_id": team_id, "monday": monday} for team_id, monday in sorted(set(weeks))]
    if rows:
        db.execute(insert(KpiDirty), rows)


def _mark_teams_of(db: Connection, recipients: set[int]) -> None:
    """A new primary contact changes the share of visits by the primary contact in every stored week."""
    teams = sql_select(col(Recipient.team_id)).where(col(Recipient.id).in_(recipients))
    stored = db.execute(
        sql_select(col(KpiWeek.team_id), col(KpiWeek.monday)).where(col(KpiWeek.team_id).in_(teams))
    )
    mark(db, [(team_id, monday) for team_id, monday in stored])


@event.listens_for(OrmSession, "after_flush")
def _mark_after_flush(session: OrmSession, _context: Any) -> None:
    stops, notices, recipients = _touched(session)
    if not (stops or notices or recipients):
        return
    db = session.connection()
    mark(
        db,
        [
            (team_id, monday)
            for team_id, day in _team_days(db, stops, notices)
            for monday in weeks_entered(day)
        ],
    )
    if recipients:
        _mark_teams_of(db, recipients)
