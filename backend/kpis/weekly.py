"""One team's KPIs per ISO week, read from the stored aggregates (kpi_week) and computed from the raw records
only where a week is missing, marked as changed, computed against other published plans or another early
tolerance, or not yet settled (its last visits were still ahead when it was computed).

The figures always come from kpis.definitions.compute over the raw records (the same call the live
dashboard made before the store existed), so a stored week equals the definition by construction; the
test suite checks it against a fresh computation.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy import select as sql_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

import backend.kpis.freshness  # noqa: F401  (registers the marks on every session)
from backend.common.enums import PlanStatus
from backend.common.types import utcnow
from backend.kpis.definitions import (
    CONTINUITY_DAYS,
    Kpis,
    RouteRecord,
    VisitRecord,
    compute,
    daily_carers,
)
from backend.kpis.models import KpiDirty, KpiWeek
from backend.kpis.records import load_records
from backend.municipality.models import MunicipalitySettings
from backend.planning.models import Plan

WeekKey = tuple[int, dt.date]  # (team id, Monday)
HISTORY = dt.timedelta(days=max(CONTINUITY_DAYS) - 7)  # days before a Monday its continuity reaches back


def early_tolerance_minutes(session: Session) -> int:
    row = session.get(MunicipalitySettings, 1)
    return row.early_tolerance_minutes if row else 0


def settled(computed_at: dt.datetime, monday: dt.date, now: dt.datetime) -> bool:
    """A week computed after its last window closed (visits on Sunday evening end by Monday night) stays
    right until something changes it; before that, the passing time turns planned visits into missed ones."""
    closed = dt.datetime.combine(monday + dt.timedelta(days=8), dt.time(), dt.UTC)
    return closed <= computed_at <= now


def _plan_fingerprints(
    db: Connection, team_ids: Collection[int], mondays: Collection[dt.date]
) -> dict[WeekKey, str]:
    """Per team and week, which published plans its figures come from (count and id sum over the 28 days
    ending on its Sunday): a publication or a plan superseded changes it."""
    first, last = min(mondays) - HISTORY, max(mondays) + dt.timedelta(days=6)
    daily: dict[tuple[int, dt.date], tuple[int, int]] = {
        (team_id, date): (int(count), int(ids or 0))
        for team_id, date, count, ids in db.execute(
            sql_select(col(Plan.team_id), col(Plan.date), func.count(), func.sum(col(Plan.id)))
            .where(
                col(Plan.status) == PlanStatus.published,
                col(Plan.team_id).in_(list(team_ids)),
                col(Plan.date).between(first, last),
            )
            .group_by(col(Plan.team_id), col(Plan.date))
        )
    }
    prints = {}
    for team_id, monday in itertools.product(team_ids, mondays):
        span = [monday + dt.timedelta(days=d) for d in range(-HISTORY.days, 7)]
        parts = [daily.get((team_id, day), (0, 0)) for day in span]
        prints[(team_id, monday)] = f"{sum(p[0] for p in parts)}:{sum(p[1] for p in parts)}"
    return prints


def _runs(mondays: Collection[dt.date]) -> list[list[dt.date]]:
    """Consecutive weeks together, so a gap of stored weeks is not read from the raw records."""
    runs: list[list[dt.date]] = []
    for monday in sorted(set(mondays)):
        if runs and monday - runs[-1][-1] == dt.timedelta(weeks=1):
            runs[-1].append(monday)
        else:
            runs.append([monday])
    return runs


def _computed(
    session: Session, keys: Collection[WeekKey], now: dt.datetime, tolerance: int
) -> dict[WeekKey, Kpis]:
    """The weeks from the raw records, one read per run of consecutive weeks."""
    result: dict[WeekKey, Kpis] = {}
    for run in _runs([monday for _, monday in keys]):
        teams = sorted({team for team, monday in keys if monday in run})
        visits, routes = load_records(
            session, team_ids=teams, start=run[0] - HISTORY, end=run[-1] + dt.timedelta(days=6)
        )
        by_team_v: dict[int, list[VisitRecord]] = defaultdict(list)
        by_team_r: dict[int, list[RouteRecord]] = defaultdict(list)
        for v in visits:
            by_team_v[v.team_id].append(v)
        for r in routes:
            by_team_r[r.team_id].append(r)
        for team in teams:
            daily = daily_carers(by_team_v[team])
            for monday in (m for m in run if (team, m) in keys):
                sunday = monday + dt.timedelta(days=6)
                result[(team, monday)] = compute(
                    [v for v in by_team_v[team] if monday <= v.date <= sunday],
                    [r for r in by_team_r[team] if monday <= r.date <= sunday],
                    daily=daily,
                    period_end=sunday,
                    now=now,
                    early_tolerance=dt.timedelta(minutes=tolerance),
                )
    return result


def _store(
    engine: Engine,
    computed: dict[WeekKey, Kpis],
    prints: dict[WeekKey, str],
    tolerance: int,
    now: dt.datetime,
    seen_marks: Sequence[Any],
) -> None:
    """Upsert the computed weeks and remove only the marks that were read before the raw records were."""
    rows = [
        {
            "team_id": team,
            "monday": monday,
            "early_tolerance_minutes": tolerance,
            "plans": prints[(team, monday)],
            "kpis": kpis.model_dump(),
            "computed_at": now,
        }
        for (team, monday), kpis in computed.items()
    ]
    marks = [mark_id for mark_id, team, monday in seen_marks if (team, monday) in computed]
    with engine.begin() as db:
        insert = pg_insert if db.dialect.name == "postgresql" else sqlite_insert
        statement = insert(KpiWeek).values(rows)
        db.execute(
            statement.on_conflict_do_update(
                index_elements=["team_id", "monday"],
                set_={
                    name: statement.excluded[name]
                    for name in ("early_tolerance_minutes", "plans", "kpis", "computed_at")
                },
            )
        )
        for i in range(0, len(marks), 5000):
            db.execute(delete(KpiDirty).where(col(KpiDirty.id).in_(marks[i : i + 5000])))


def week_kpis(
    session: Session, *, team_ids: Collection[int], mondays: Collection[dt.date]
) -> dict[WeekKey, Kpis]:
    """Every asked team's KPIs for every asked week: stored weeks as they are, the rest computed and stored."""
    if not team_ids or not mondays:
        return {}
    now, tolerance = utcnow(), early_tolerance_minutes(session)
    db = session.connection()
    in_range = (
        col(KpiDirty.team_id).in_(list(team_ids)),
        col(KpiDirty.monday).between(min(mondays), max(mondays)),
    )
    marks = db.execute(
        sql_select(col(KpiDirty.id), col(KpiDirty.team_id), col(KpiDirty.monday)).where(*in_range)
    ).all()
    marked = {(team, monday) for _, team, monday in marks}
    prints = _plan_fingerprints(db, team_ids, mondays)
    stored = {
        (row.team_id, row.monday): row
        for row in session.exec(
            sql_select(KpiWeek).where(  # type: ignore[call-overload]
                col(KpiWeek.team_id).in_(list(team_ids)),
                col(KpiWeek.monday).between(min(mondays), max(mondays)),
            )
        ).scalars()
    }
    result: dict[WeekKey, Kpis] = {}
    for key in itertools.product(team_ids, mondays):
        row = stored.get(key)
        if (
            row is not None
            and key not in marked
            and row.plans == prints[key]
            and row.early_tolerance_minutes == tolerance
            and settled(row.computed_at, key[1], now)
            and row.kpis.keys() >= Kpis.model_fields.keys()  # computed before a KPI was added: again
        ):
            result[key] = Kpis(**row.kpis)
    missing = [key for key in itertools.product(team_ids, mondays) if key not in result]
    if missing:
        computed = _computed(session, missing, now, tolerance)
        engine = session.get_bind()
        assert isinstance(engine, Engine)
        _store(engine, computed, prints, tolerance, now, marks)
        result.update(computed)
    return result


def refresh_marked(session: Session) -> int:
    """Compute again every week with a mark (the worker's periodic task: reads then find them ready)."""
    marked = session.exec(sql_select(KpiDirty.team_id, KpiDirty.monday).distinct()).all()  # type: ignore[call-overload]
    by_team: dict[int, set[dt.date]] = defaultdict(set)
    for team, monday in marked:
        by_team[team].add(monday)
    for team, mondays in by_team.items():
        week_kpis(session, team_ids=[team], mondays=sorted(mondays))
    return len(marked)
