"""Rota (turnus) and absences (fravær), scoped to the coordinator's teams."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.carers.service import carer_in_scope
from backend.common.crud import get_or_404
from backend.common.enums import NORWEGIAN_LABELS
from backend.common.localtime import exists_locally, local_instant
from backend.errors import Conflict, InvalidInput
from backend.rota.models import Absence, AbsenceCreate, RotaEntry, RotaEntryCreate


def _instant_in_shift(day: dt.date, start: dt.time, clock: dt.time) -> dt.datetime:
    """A wall-clock time within a shift that started on `day` at `start` (rolls over midnight)."""
    return local_instant(day + dt.timedelta(days=1) if clock < start else day, clock)


def _refuse_times_that_do_not_exist(data: RotaEntryCreate) -> None:
    """On the spring-forward day 02:00-02:59 does not exist; a shift from or to such a time would be
    shifted by an hour without anyone noticing. (A time that occurs twice in October means its first
    occurrence, see backend.common.localtime.)"""
    for name in ("start", "end", "break_earliest", "break_latest"):
        clock: dt.time | None = getattr(data, name)
        if clock is None:
            continue
        day = data.date + dt.timedelta(days=1) if name != "start" and clock < data.start else data.date
        if not exists_locally(day, clock):
            raise InvalidInput(
                f"Klokka {clock:%H:%M} finnes ikke {day:%d.%m.%Y}: klokka stilles fram en time den natta. "
                "Velg et tidspunkt før eller etter.",
                field=name,
            )


def build_rota_entry(data: RotaEntryCreate) -> RotaEntry:
    """The stored entry; refuses wall-clock times that do not exist and shifts that end before they start."""
    _refuse_times_that_do_not_exist(data)
    start = local_instant(data.date, data.start)
    end = _instant_in_shift(data.date, data.start, data.end)
    entry = RotaEntry(
        carer_id=data.carer_id,
        date=data.date,
        shift_kind=data.shift_kind,
        start=start,
        end=end,
        break_minutes=data.break_minutes,
        break_earliest=None
        if data.break_earliest is None
        else _instant_in_shift(data.date, data.start, data.break_earliest),
        break_latest=None
        if data.break_latest is None
        else _instant_in_shift(data.date, data.start, data.break_latest),
    )
    if end <= start:
        raise InvalidInput("Vakten slutter før den begynner.", field="end")
    for name in ("break_earliest", "break_latest"):
        value = getattr(entry, name)
        if value is not None and not start <= value <= end:
            raise InvalidInput("Pausen må ligge innenfor vakten.", field=name)
    return entry


def add_rota_entry(
    session: Session, *, principal: Principal, data: RotaEntryCreate, commit: bool = True
) -> RotaEntry:
    carer_in_scope(session, principal=principal, carer_id=data.carer_id)
    clash = session.exec(
        select(RotaEntry).where(
            RotaEntry.carer_id == data.carer_id,
            RotaEntry.date == data.date,
            RotaEntry.shift_kind == data.shift_kind,
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"Pleier {data.carer_id} har allerede {NORWEGIAN_LABELS[data.shift_kind.value]}svakt "
            f"{data.date:%d.%m.%Y}.",
            field="shift_kind",
        )
    entry = build_rota_entry(data)
    session.add(entry)
    if commit:
        session.commit()
        session.refresh(entry)
    else:
        session.flush()
    return entry


def list_rota(
    session: Session, *, principal: Principal, day: dt.date, team_id: int | None
) -> list[RotaEntry]:
    query = (
        select(RotaEntry)
        .join(Carer, Carer.id == RotaEntry.carer_id)  # type: ignore[arg-type]
        .where(RotaEntry.date == day, Carer.team_id.in_(principal.team_ids))  # type: ignore[attr-defined]
        .order_by(col(RotaEntry.start), col(RotaEntry.carer_id))
    )
    if team_id is not None:
        query = query.where(Carer.team_id == team_id)
    return list(session.exec(query))


def delete_rota_entry(session: Session, *, principal: Principal, entry_id: int) -> None:
    entry = get_or_404(session, RotaEntry, entry_id, "Vakt")
    carer_in_scope(session, principal=principal, carer_id=entry.carer_id)
    session.delete(entry)
    session.commit()


def add_absence(session: Session, *, principal: Principal, data: AbsenceCreate) -> Absence:
    carer_in_scope(session, principal=principal, carer_id=data.carer_id)
    absence = Absence.model_validate(data)
    session.add(absence)
    session.commit()
    session.refresh(absence)
    return absence


def list_absences(
    session: Session, *, principal: Principal, start: dt.datetime, end: dt.datetime
) -> list[Absence]:
    return list(
        session.exec(
            select(Absence)
            .join(Carer, Carer.id == Absence.carer_id)  # type: ignore[arg-type]
            .where(Carer.team_id.in_(principal.team_ids))  # type: ignore[attr-defined]
            .where(Absence.start < end, Absence.end > start)
            .order_by(col(Absence.start))
        )
    )


def delete_absence(session: Session, *, principal: Principal, absence_id: int) -> None:
    absence = get_or_404(session, Absence, absence_id, "Fravær")
    carer_in_scope(session, principal=principal, carer_id=absence.carer_id)
    session.delete(absence)
    session.commit()


def carers_on_shift(session: Session, *, day: dt.date, team_id: int) -> list[tuple[RotaEntry, list[Absence]]]:
    """Rota entries of a team's carers on a date, each with the absences that overlap it."""
    entries = session.exec(
        select(RotaEntry)
        .join(Carer, Carer.id == RotaEntry.carer_id)  # type: ignore[arg-type]
        .where(RotaEntry.date == day, Carer.team_id == team_id, Carer.active == True)  # noqa: E712
        .order_by(col(RotaEntry.start))
    ).all()
    result = []
    for entry in entries:
        absences = list(
            session.exec(
                select(Absence).where(
                    Absence.carer_id == entry.carer_id, Absence.start < entry.end, Absence.end > entry.start
                )
            )
        )
        result.append((entry, absences))
    return result
