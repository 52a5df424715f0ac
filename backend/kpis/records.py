"""Reading what the KPIs need in a few set-based queries (no query per visit): the stops of published
plans with their recipients' primary contacts, the first check-in/out per stop (events reported on the
stop a re-plan kept count for it), the earliest accepted SMS per visit, and the routes' paid and travel
time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import DateTime, String, case, cast, func, type_coerce
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from backend.common.enums import PlanStatus, VisitEventKind
from backend.kpis.definitions import RouteRecord, VisitRecord
from backend.notices.models import Notice, NoticeMessage
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import Recipient
from backend.visits.day import visit_ref_of
from backend.visits.models import VisitEvent

_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kpi-events")


def raw(column: object) -> Any:
    """The column as stored (naive UTC), without the per-value conversion to aware datetimes."""
    return type_coerce(column, DateTime())


Progress = dict[int, tuple[dt.datetime | None, dt.datetime | None, str | None]]


def _undone() -> Any:
    """The events a carer undid (visits.status.in_effect says the same for one visit)."""
    return sql_select(col(VisitEvent.undoes)).where(col(VisitEvent.undoes).is_not(None))


def _progress(engine: Engine, in_period: tuple[Any, ...]) -> Progress:
    """First check-in, first check-out and why not done (None: it was not reported not done), per stop with
    events in the period."""
    kind = col(VisitEvent.kind)
    device_time = raw(VisitEvent.device_time)
    with engine.connect() as db:
        return {
            int(stop_id): (check_in, check_out, not_done)
            for stop_id, check_in, check_out, not_done in db.execute(
                sql_select(
                    col(VisitEvent.stop_id),
                    func.min(case((kind == VisitEventKind.check_in, device_time))),
                    func.min(case((kind == VisitEventKind.check_out, device_time))),
                    # why the visit was not done; a «not done» from before reasons were asked counts as other
                    func.max(
                        case(
                            (
                                kind == VisitEventKind.cancel,
                                func.coalesce(cast(VisitEvent.reason, String), "other"),
                            )
                        )
                    ),
                )
                .join(Stop, Stop.id == VisitEvent.stop_id)  # type: ignore[arg-type]
                .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
                .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
                .where(*in_period, kind != VisitEventKind.undo, col(VisitEvent.event_uuid).not_in(_undone()))
                .group_by(col(VisitEvent.stop_id))
            ).all()
        }


Events = tuple[dt.datetime | None, dt.datetime | None, str | None]
NO_EVENTS: Events = (None, None, None)


def _stop_rows(db: Connection, in_period: tuple[Any, ...]) -> list[Any]:
    """Every stop of the published plans in the period, with its route's carer and the recipient's primary."""
    return list(
        db.execute(
            sql_select(
                col(Stop.id),
                col(Stop.origin_stop_id),
                col(Stop.decision_visit_id),
                col(Stop.recipient_id),
                raw(Stop.window_start),
                raw(Stop.window_end),
                raw(Stop.planned_arrival),
                raw(Stop.planned_start),
                raw(Stop.planned_end),
                col(Route.carer_id),
                col(Plan.team_id),
                col(Plan.date),
                col(Recipient.primary_carer_id),
            )
            .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
            .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
            .join(Recipient, Recipient.id == Stop.recipient_id)  # type: ignore[arg-type]
            .where(col(Plan.status) == PlanStatus.published, *in_period)
        ).all()
    )


def _first_accepted_notices(db: Connection, start: dt.date, end: dt.date) -> dict[str, dt.datetime]:
    """Visit ref → when the gateway first accepted an SMS about it."""
    accepted: dict[str, dt.datetime] = {}
    window = (
        dt.datetime.combine(start, dt.time(), dt.UTC) - dt.timedelta(days=1),
        dt.datetime.combine(end, dt.time(), dt.UTC) + dt.timedelta(days=2),
    )
    for key, accepted_at in db.execute(
        sql_select(col(Notice.key), func.min(raw(NoticeMessage.accepted_at)))
        .join(NoticeMessage, NoticeMessage.notice_id == Notice.id)  # type: ignore[arg-type]
        .where(col(NoticeMessage.accepted_at).is_not(None), col(Notice.created_at).between(*window))
        .group_by(col(Notice.key))
    ).all():
        ref = str(key).rsplit(":", 2)[0]
        if accepted_at is not None and (ref not in accepted or accepted_at < accepted[ref]):
            accepted[ref] = accepted_at
    return accepted


def _route_records(db: Connection, in_period: tuple[Any, ...]) -> list[RouteRecord]:
    return [
        RouteRecord(
            team_id=team_id,
            date=date,
            paid_seconds=(shift_end - shift_start).total_seconds() if shift_start and shift_end else 0.0,
            travel_seconds=float(travel),
            carer_id=carer_id,
        )
        for team_id, date, shift_start, shift_end, travel, carer_id in db.execute(
            sql_select(
                col(Plan.team_id),
                col(Plan.date),
                raw(Route.shift_start),
                raw(Route.shift_end),
                col(Route.travel_seconds),
                col(Route.carer_id),
            )
            .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
            .where(col(Plan.status) == PlanStatus.published, *in_period)
        ).all()
    ]


def _events_of(progress: Progress, stop_id: int, origin: int | None) -> Events:
    """The stop's own events, and those reported on the stop it was kept from in a re-plan."""
    mine = progress.get(stop_id, NO_EVENTS)
    if origin is None or origin not in progress:
        return mine
    kept = progress[origin]
    return (
        min((t for t in (mine[0], kept[0]) if t is not None), default=None),
        min((t for t in (mine[1], kept[1]) if t is not None), default=None),
        mine[2] or kept[2],
    )


def load_records(
    session: Session, *, team_ids: Collection[int], start: dt.date, end: dt.date
) -> tuple[list[VisitRecord], list[RouteRecord]]:
    """Visits and routes of published plans of the teams from start to end (inclusive). Reads committed
    data only (the events aggregate, the heaviest query, runs on a second connection in parallel)."""
    in_period = (col(Plan.date) >= start, col(Plan.date) <= end, col(Plan.team_id).in_(list(team_ids)))
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    events = _POOL.submit(_progress, engine, in_period)
    db = session.connection()
    rows = _stop_rows(db, in_period)
    accepted = _first_accepted_notices(db, start, end)
    progress = events.result()
    visits = []
    for stop_id, origin, dv, recipient_id, ws, we, pa, ps, pe, carer_id, team_id, date, primary in rows:
        check_in, check_out, not_done = _events_of(progress, stop_id, origin)
        visits.append(
            VisitRecord(
                team_id,
                date,
                stop_id,
                recipient_id,
                carer_id,
                primary,
                ws,
                we,
                pa,
                ps,
                pe,
                check_in,
                check_out,
                not_done is not None,
                accepted.get(visit_ref_of(date, dv, stop_id, origin)),
                not_done,
                decision_visit_id=dv,
            ).derive()
        )
    return visits, _route_records(db, in_period)
