"""Stand-ins (vikar) for a carer who is away from a shift: who can be called in, from when, and the shift
added for the one the coordinator calls in.

Coordinators call in a substitute for most absences («det leies inn vikar ved det meste av fraværet»,
Alver, ../shared/docs/domain.md). Without the product that means phoning down a list from memory. Here a
candidate is a carer in the coordinator's teams who is not on shift or away then, may do everything the
absent carer may (competence), and keeps the rest the Working Environment Act requires: 11 hours between
shifts (AML § 10-8 (1)) and at most 48 hours in the week (AML § 10-6 (8)). Candidates are ranked by team,
by how soon they can start, by how many of the absent carer's recipients they have visited lately
(continuity) and by how far below their position's hours they are this week. A re-plan then gives the
stand-in visits like anyone on shift."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.auth.service import Principal
from backend.carers.competence import effective_competences
from backend.carers.models import Carer
from backend.carers.service import carer_in_scope
from backend.common.crud import get_or_404
from backend.common.enums import PlanStatus
from backend.common.localtime import local_clock, local_date_of
from backend.common.types import utcnow
from backend.errors import Conflict
from backend.planning.gather import recent_carers
from backend.planning.models import Plan, Route, Stop
from backend.rota.models import Absence, RotaEntry

REST_BETWEEN_SHIFTS = dt.timedelta(hours=11)  # AML § 10-8 (1)
MAX_WEEK_HOURS = 48.0  # AML § 10-6 (8): overtime included
FULL_TIME_HOURS = 35.5  # a full position on a rota with evenings and weekends (AML § 10-4 (4))
CALL_IN_LEAD = dt.timedelta(hours=1)  # from the phone call to the first visit
SHORTEST_STAND_IN = dt.timedelta(hours=2)  # less than this is not worth calling someone in for
KNOWN_DAYS = 28  # "knows the recipient": visited in published lists of the last four weeks


@dataclass(frozen=True)
class StandIn:
    carer: Carer
    start: dt.datetime
    end: dt.datetime
    same_team: bool
    knows_recipients: int  # of the absent carer's recipients on that shift's published list
    recipients: int
    hours_this_week: float
    position_hours: float


def _round_up(instant: dt.datetime, minutes: int = 5) -> dt.datetime:
    """To the next whole five minutes, a time a coordinator says on the phone."""
    step = minutes * 60
    return dt.datetime.fromtimestamp(math.ceil(instant.timestamp() / step) * step, tz=instant.tzinfo)


def _hours(entry: RotaEntry) -> float:
    return (entry.end - entry.start).total_seconds() / 3600 - entry.break_minutes / 60


def entry_in_scope(session: Session, *, principal: Principal, entry_id: int) -> RotaEntry:
    """A shift of a carer in the coordinator's teams."""
    entry = get_or_404(session, RotaEntry, entry_id, "Vakt")
    carer_in_scope(session, principal=principal, carer_id=entry.carer_id)
    return entry


def absence_behind(session: Session, entry: RotaEntry) -> Absence:
    """The absence that leaves the shift without its carer; a shift whose carer is at work needs no one."""
    absence = session.exec(
        select(Absence)
        .where(Absence.carer_id == entry.carer_id, Absence.start < entry.end, Absence.end > entry.start)
        .order_by(col(Absence.start))
    ).first()
    if absence is None:
        raise Conflict("Pleieren er ikke registrert borte på denne vakten, så den trenger ingen vikar.")
    return absence


def _absent_recipients(session: Session, entry: RotaEntry) -> list[int]:
    """The recipients on the absent carer's published list of the shift (none published: none known)."""
    return sorted(
        set(
            session.exec(
                select(Stop.recipient_id)
                .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
                .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
                .where(
                    Plan.status == PlanStatus.published,
                    Plan.date == entry.date,
                    Plan.shift_kind == entry.shift_kind,
                    Route.carer_id == entry.carer_id,
                )
            ).all()
        )
    )


def rest_allows(
    carer: Carer, start: dt.datetime, end: dt.datetime, shifts: Sequence[RotaEntry], away: Sequence[Absence]
) -> tuple[dt.datetime, str | None]:
    """(the earliest start the rest rules allow, the reason the carer cannot stand in or None): not away or
    on shift then, 11 hours after the shift before, 11 hours before the next, and 2 hours left to work."""
    for absence in away:
        if absence.start < end and absence.end > start:
            return start, f"{carer.name} er selv borte da."
    for shift in shifts:
        if shift.start < end and shift.end > start:
            return start, f"{carer.name} er allerede på vakt da."
        if shift.end <= start:
            start = max(start, shift.end + REST_BETWEEN_SHIFTS)
        elif shift.start - end < REST_BETWEEN_SHIFTS:
            return start, (
                f"{carer.name} får ikke 11 timers hvile før vakten {local_clock(shift.start)} "
                f"{local_date_of(shift.start):%d.%m} (arbeidsmiljøloven § 10-8)."
            )
    if end - start < SHORTEST_STAND_IN:
        return start, f"{carer.name} kan tidligst begynne {local_clock(start)} etter hviletiden."
    return start, None


def _week_hours(shifts: Sequence[RotaEntry], day: dt.date) -> float:
    monday = day - dt.timedelta(days=day.weekday())
    return sum(_hours(s) for s in shifts if monday <= s.date < monday + dt.timedelta(days=7))


def assess(
    session: Session, *, principal: Principal, entry: RotaEntry, now: dt.datetime | None = None
) -> tuple[list[StandIn], dict[int, str]]:
    """Every carer in the coordinator's teams, as a stand-in for `entry`: those who can (best first) and,
    for the others, why not."""
    absence = absence_behind(session, entry)
    absent = get_or_404(session, Carer, entry.carer_id, "Pleier")
    needed = effective_competences(absent.competences)
    earliest = _round_up(max(entry.start, absence.start, (now or utcnow()) + CALL_IN_LEAD))
    carers = session.exec(
        select(Carer).where(
            col(Carer.team_id).in_(principal.team_ids), col(Carer.active), Carer.id != entry.carer_id
        )
    ).all()
    ids = [c.id for c in carers]
    week_start = entry.date - dt.timedelta(days=entry.date.weekday() + 1)
    shifts = session.exec(
        select(RotaEntry)
        .where(
            col(RotaEntry.carer_id).in_(ids),
            col(RotaEntry.date).between(week_start, entry.date + dt.timedelta(days=7)),
        )
        .order_by(col(RotaEntry.start))
    ).all()
    away = session.exec(
        select(Absence).where(
            col(Absence.carer_id).in_(ids), Absence.start < entry.end, Absence.end > earliest
        )
    ).all()
    recipients = _absent_recipients(session, entry)
    known = recent_carers(session, recipient_ids=recipients, day=entry.date, days=KNOWN_DAYS)
    able, refused = [], {}
    for carer in carers:
        assert carer.id is not None
        if not needed <= effective_competences(carer.competences):
            refused[carer.id] = f"{carer.name} har ikke kompetansen {absent.name} har."
            continue
        own = [s for s in shifts if s.carer_id == carer.id]
        start, reason = rest_allows(
            carer, earliest, entry.end, own, [a for a in away if a.carer_id == carer.id]
        )
        start = _round_up(start)
        hours = _week_hours(own, entry.date)
        shift_hours = (entry.end - start).total_seconds() / 3600
        if reason is None and hours + shift_hours > MAX_WEEK_HOURS:
            reason = f"{carer.name} ville jobbet over 48 timer denne uka (arbeidsmiljøloven § 10-6)."
        if reason is not None:
            refused[carer.id] = reason
            continue
        able.append(
            StandIn(
                carer,
                start,
                entry.end,
                carer.team_id == absent.team_id,
                sum(1 for r in recipients if carer.id in known.get(r, frozenset())),
                len(recipients),
                round(hours, 1),
                round(carer.employment_pct * FULL_TIME_HOURS / 100, 1),
            )
        )
    able.sort(
        key=lambda s: (not s.same_team, s.start, -s.knows_recipients, s.hours_this_week / s.position_hours)
    )
    return able, refused


def call_in(
    session: Session, *, principal: Principal, entry: RotaEntry, carer_id: int, now: dt.datetime | None = None
) -> RotaEntry:
    """The stand-in's shift: the absent carer's, from when the stand-in can start, its break where it still
    fits. Refused, with the reason, for a carer who cannot stand in."""
    carer_in_scope(session, principal=principal, carer_id=carer_id)
    able, refused = assess(session, principal=principal, entry=entry, now=now)
    chosen = next((s for s in able if s.carer.id == carer_id), None)
    if chosen is None:
        raise Conflict(refused.get(carer_id, "Pleieren kan ikke være vikar for seg selv."), field="carer_id")
    keeps_break = bool(entry.break_minutes and entry.break_latest and entry.break_latest >= chosen.start)
    shift = RotaEntry(
        carer_id=carer_id,
        date=entry.date,
        shift_kind=entry.shift_kind,
        start=chosen.start,
        end=entry.end,
        break_minutes=entry.break_minutes if keeps_break else 0,
        break_earliest=max(entry.break_earliest or chosen.start, chosen.start) if keeps_break else None,
        break_latest=entry.break_latest if keeps_break else None,
    )
    session.add(shift)
    try:
        session.commit()
    except IntegrityError as exc:  # another coordinator called the same carer in for this shift just now
        session.rollback()
        raise Conflict(
            f"{chosen.carer.name} har allerede fått en vakt denne dagen.", field="carer_id"
        ) from exc
    session.refresh(shift)
    return shift
