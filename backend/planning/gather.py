"""Gathering what a plan is made from: who is on shift (after absences), whom each recipient knows, which
nurse visits another team must take, the recipients and the municipality's settings."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import Session, col, select

from backend.carers.competence import is_nurse
from backend.carers.models import Carer
from backend.common.crud import get_or_404
from backend.common.enums import PlanStatus, ShiftKind
from backend.common.localtime import OSLO, local_clock
from backend.decisions.expansion import DayVisit
from backend.municipality.models import MunicipalitySettings
from backend.planning.models import Plan, Route, Stop
from backend.planning.translate import Issue, ShiftCarer, UsualVisit
from backend.recipients.models import Recipient
from backend.rota.models import Absence
from backend.rota.service import carers_on_shift
from backend.teams.models import Team

CONTINUITY_DAYS = 14
USUAL_DAYS = 7


def _free_part(
    start: dt.datetime, end: dt.datetime, absences: Sequence[Absence]
) -> tuple[dt.datetime, dt.datetime] | None:
    """The longest part of [start, end) not covered by an absence."""
    free = [(start, end)]
    for absence in absences:
        pieces = []
        for a, b in free:
            if absence.end <= a or absence.start >= b:
                pieces.append((a, b))
                continue
            if absence.start > a:
                pieces.append((a, absence.start))
            if absence.end < b:
                pieces.append((absence.end, b))
        free = pieces
    return max(free, key=lambda p: p[1] - p[0], default=None)


def shift_carers(
    session: Session, *, day: dt.date, shift_kind: ShiftKind, team: Team
) -> tuple[list[ShiftCarer], list[Issue]]:
    """The team's carers on the shift with the part of it they can work; absences become issues."""
    result, issues = [], []
    for entry, absences in carers_on_shift(session, day=day, team_id=team.id or 0):
        if entry.shift_kind != shift_kind:
            continue
        carer = get_or_404(session, Carer, entry.carer_id, "Pleier")
        free = _free_part(entry.start, entry.end, absences)
        if free is None or free[1] - free[0] < dt.timedelta(minutes=30):
            issues.append(Issue("absent", f"{carer.name} er borte hele vakten.", carer_id=carer.id))
            continue
        if free != (entry.start, entry.end):
            issues.append(
                Issue(
                    "absent",
                    f"{carer.name} er bare på jobb {local_clock(free[0])}–{local_clock(free[1])}.",
                    carer_id=carer.id,
                )
            )
        result.append(
            ShiftCarer(
                carer, team, free[0], free[1], entry.break_earliest, entry.break_latest, entry.break_minutes
            )
        )
    return result, issues


def recent_carers(
    session: Session, *, recipient_ids: Sequence[int], day: dt.date
) -> dict[int, frozenset[int]]:
    """Continuity: the primary contact and whoever visited in published plans of the last 14 days."""
    known: dict[int, set[int]] = defaultdict(set)
    for recipient in session.exec(select(Recipient).where(col(Recipient.id).in_(recipient_ids))):
        if recipient.primary_carer_id is not None and recipient.id is not None:
            known[recipient.id].add(recipient.primary_carer_id)
    rows = session.exec(
        select(Stop.recipient_id, Route.carer_id)
        .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .where(
            Plan.status == PlanStatus.published,
            Plan.date >= day - dt.timedelta(days=CONTINUITY_DAYS),
            Plan.date < day,
            col(Stop.recipient_id).in_(recipient_ids),
        )
    ).all()
    for recipient_id, carer_id in rows:
        known[recipient_id].add(carer_id)
    return {rid: frozenset(carers) for rid, carers in known.items()}


def usual_visits(
    session: Session, *, decision_visit_ids: Sequence[int], day: dt.date
) -> dict[int, UsualVisit]:
    """Predictability across days: when and by whom each vedtak visit was planned the last time it came up in
    the week before `day` (that day's plan that still holds, published before draft), so a week laid day
    by day keeps the same times and carers."""
    rows = session.exec(
        select(Stop, Route.carer_id, Plan)
        .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .where(
            col(Plan.status) != PlanStatus.superseded,
            Plan.date >= day - dt.timedelta(days=USUAL_DAYS),
            Plan.date < day,
            col(Stop.decision_visit_id).in_(decision_visit_ids),
        )
    ).all()
    best: dict[int, tuple[tuple[dt.date, bool, int], UsualVisit]] = {}
    for stop, carer_id, plan in rows:
        rank = (plan.date, plan.status == PlanStatus.published, plan.id or 0)
        visit_id = stop.decision_visit_id
        if visit_id is not None and (visit_id not in best or rank > best[visit_id][0]):
            best[visit_id] = (rank, UsualVisit(stop.planned_start.astimezone(OSLO).time(), carer_id))
    return {visit_id: usual for visit_id, (_, usual) in best.items()}


def _distance_km(a: Team, b: Team) -> float:
    dlat = math.radians(b.base_lat - a.base_lat)
    dlon = math.radians(b.base_lon - a.base_lon) * math.cos(math.radians(a.base_lat))
    return 6371 * math.hypot(dlat, dlon)


def lend_nurse_visits(
    teams: list[Team],
    visits: dict[int, list[DayVisit]],
    carers: dict[int, list[ShiftCarer]],
    issues: dict[int, list[Issue]],
) -> None:
    """Nurse-only visits of a team with no nurse on shift go to the nearest team that has one."""
    with_nurse = [t for t in teams if any(is_nurse(c.carer.competences) for c in carers[t.id or 0])]
    for team in teams:
        if team in with_nurse or not with_nurse:
            continue
        host = min(with_nurse, key=lambda t: _distance_km(team, t))
        lend = [v for v in visits[team.id or 0] if v.needs_nurse and not v.links]
        if not lend:
            continue
        visits[team.id or 0] = [v for v in visits[team.id or 0] if v not in lend]
        visits[host.id or 0] = visits[host.id or 0] + lend
        issues[team.id or 0].append(
            Issue("lent", f"{len(lend)} besøk som krever sykepleier er lagt til sykepleier i {host.name}.")
        )
        issues[host.id or 0].append(
            Issue(
                "borrowed", f"{len(lend)} sykepleierbesøk fra {team.name} er lagt inn (ingen sykepleier der)."
            )
        )


def recipients_of(session: Session, visits: Sequence[DayVisit]) -> dict[int, Recipient]:
    ids = sorted({v.recipient_id for v in visits})
    return {r.id or 0: r for r in session.exec(select(Recipient).where(col(Recipient.id).in_(ids)))}


def municipality_settings(session: Session) -> MunicipalitySettings:
    return session.get(MunicipalitySettings, 1) or MunicipalitySettings(id=1, name="")


def linked_starts(
    session: Session, *, day: dt.date, shift_kind: ShiftKind, visits: Sequence[DayVisit]
) -> dict[int, dt.datetime]:
    """Decision visit id → planned start, for the partners of `visits`' links planned in another shift of
    the day (lunch in the day shift → dinner in the evening), from the latest plan of that shift that is
    not superseded. A link across shifts is then planned against the other shift's plan."""
    own = {v.decision_visit_id for v in visits}
    partners = {
        other
        for v in visits
        for link in v.links
        for other in (link.from_visit_id, link.to_visit_id)
        if other not in own
    }
    if not partners:
        return {}
    stops = session.exec(
        select(Stop)
        .join(Route, col(Route.id) == Stop.route_id)
        .join(Plan, col(Plan.id) == Route.plan_id)
        .where(
            Plan.date == day,
            Plan.shift_kind != shift_kind,
            Plan.status != PlanStatus.superseded,
            col(Stop.decision_visit_id).in_(partners),
        )
        .order_by(col(Plan.id).desc())
    ).all()
    starts: dict[int, dt.datetime] = {}
    for stop in stops:  # the latest plan first
        if stop.decision_visit_id is not None:
            starts.setdefault(stop.decision_visit_id, stop.planned_start)
    return starts
