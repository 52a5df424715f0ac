"""Gathering what a plan is made from: who is on shift (after absences), whom each recipient knows, which
nurse visits another team must take, the recipients and the municipality's settings."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlmodel import Session, col, select

from backend.carers.competence import is_nurse
from backend.carers.models import Carer
from backend.common.crud import get_or_404
from backend.common.enums import PlanStatus, ShiftKind
from backend.common.localtime import local_clock, local_minutes
from backend.decisions.expansion import DayVisit, visits_for
from backend.municipality.models import MunicipalitySettings
from backend.planning.models import Plan, Route, Stop
from backend.planning.translate import Issue, ShiftCarer, UsualVisit, shift_of
from backend.recipients.models import Recipient
from backend.rota.models import Absence, RotaEntry
from backend.rota.service import carers_on_shift
from backend.teams.models import Team

CONTINUITY_DAYS = 6  # with the plan's own day: the last seven days
DAY_BY_DAY_CONTINUITY_DAYS = 14  # each day on its own: anybody seen in a fortnight
LOOKAHEAD_DAYS = 6  # the rest of the seven days that start with the plan's day
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
    session: Session, *, recipient_ids: Sequence[int], day: dt.date, days: int = CONTINUITY_DAYS
) -> dict[int, frozenset[int]]:
    """Continuity: the primary contact and whoever visited in published plans of the `days` before `day`.
    With the default six, a visit by any of them adds no new face to the recipient's last seven days (the
    KPI's window) while one by anybody else does; a set that grows for a fortnight prefers nearly
    everybody."""
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
            Plan.date >= day - dt.timedelta(days=days),
            Plan.date < day,
            col(Stop.recipient_id).in_(recipient_ids),
        )
    ).all()
    for recipient_id, carer_id in rows:
        known[recipient_id].add(carer_id)
    return {rid: frozenset(carers) for rid, carers in known.items()}


def returning_carers(
    session: Session,
    *,
    day: dt.date,
    team_id: int,
    preferred: Mapping[int, frozenset[int]],
    on_shift: Sequence[int],
) -> dict[int, frozenset[int]]:
    """Continuity against the rota: for each recipient of the team whom none of their known carers
    (`preferred`) can visit this shift, the carers on shift who also work the most of the shifts the
    recipient is visited in over the next six days, so the new face this shift brings is one who comes
    back; the known carers of everybody else unchanged."""
    ahead = [day + dt.timedelta(days=n) for n in range(1, LOOKAHEAD_DAYS + 1)]
    coming: dict[int, set[tuple[dt.date, ShiftKind]]] = defaultdict(set)
    for later in ahead:
        for visit in visits_for(session, day=later, team_id=team_id):
            coming[visit.recipient_id].add((later, shift_of(visit)))
    works: dict[int, set[tuple[dt.date, ShiftKind]]] = defaultdict(set)
    for entry in session.exec(
        select(RotaEntry).where(col(RotaEntry.carer_id).in_(on_shift), col(RotaEntry.date).in_(ahead))
    ):
        works[entry.carer_id].add((entry.date, entry.shift_kind))
    result = dict(preferred)
    here = set(on_shift)
    for recipient_id, shifts in coming.items():
        if preferred.get(recipient_id, frozenset()) & here:
            continue
        again = {carer_id: len(shifts & works[carer_id]) for carer_id in on_shift}
        most = max(again.values(), default=0)
        if most:
            result[recipient_id] = preferred.get(recipient_id, frozenset()) | frozenset(
                c for c, n in again.items() if n == most
            )
    return result


def usual_visits(
    session: Session, *, decision_visit_ids: Sequence[int], day: dt.date
) -> dict[int, UsualVisit]:
    """Predictability across days: each vedtak visit's usual start (the median of its planned starts on the
    days of the week before `day`, each day's plan that still holds, published before draft) and the carer
    who came most often (the latest on a tie). The median, not the last start, so that a week laid day by
    day does not drift a few minutes a day."""
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
    per_day: dict[tuple[int, dt.date], tuple[tuple[bool, int], int, int]] = {}
    for stop, carer_id, plan in rows:
        visit_id = stop.decision_visit_id
        if visit_id is None:
            continue
        rank = (plan.status == PlanStatus.published, plan.id or 0)
        key = (visit_id, plan.date)
        if key not in per_day or rank > per_day[key][0]:
            per_day[key] = (rank, local_minutes(stop.planned_start), carer_id)
    days: dict[int, list[tuple[dt.date, int, int]]] = defaultdict(list)
    for (visit_id, date), (_, minute, carer_id) in per_day.items():
        days[visit_id].append((date, minute, carer_id))
    return {visit_id: usual_of(sorted(seen)) for visit_id, seen in days.items()}


def usual_of(seen: list[tuple[dt.date, int, int]]) -> UsualVisit:
    """The median start (the lower middle one on an even count: a real start) and the most frequent carer of
    one visit's days, in date order."""
    starts = sorted(minute for _, minute, _ in seen)
    minute = starts[(len(starts) - 1) // 2]
    counts: dict[int, tuple[int, int]] = {}
    for order, (_, _, carer_id) in enumerate(seen):
        counts[carer_id] = (counts.get(carer_id, (0, 0))[0] + 1, order)
    carer_id = max(counts, key=lambda c: counts[c])
    return UsualVisit(dt.time(minute // 60, minute % 60), carer_id)


def team_distance_km(a: Team, b: Team) -> float:
    """As the crow flies between the teams' bases: which team is the nearest neighbour."""
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
        host = min(with_nurse, key=lambda t: team_distance_km(team, t))
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


def lent_away(session: Session, *, base: Plan, visit_ids: Sequence[int]) -> set[int]:
    """The visits among `visit_ids` (of `base`'s team) that another team's current plan of the same day and
    shift holds (lent to it, backend.planning.lending, or a nurse visit lent): a re-plan of `base` leaves them
    there. A team's current plan is its latest that is not superseded."""
    others = session.exec(
        select(Plan.team_id, Plan.id).where(
            Plan.date == base.date,
            Plan.shift_kind == base.shift_kind,
            Plan.team_id != base.team_id,
            Plan.status != PlanStatus.superseded,
        )
    ).all()
    current: dict[int, int] = {}
    for team_id, plan_id in others:
        current[team_id] = max(current.get(team_id, 0), plan_id or 0)
    if not current or not visit_ids:
        return set()
    held = session.exec(
        select(Stop.decision_visit_id)
        .join(Route, col(Route.id) == Stop.route_id)
        .where(
            col(Route.plan_id).in_(list(current.values())), col(Stop.decision_visit_id).in_(list(visit_ids))
        )
    ).all()
    return {v for v in held if v is not None}
