"""The coordinator's rota page (/konsoll/turnus): a week grid per team (who works which shift), a shift added or
removed, absences registered in advance with a reason code, and what an absence does to published plans:
the visits it takes from a carer's kjøreliste, with the way to re-plan. Same services as the API."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.common.crud import get_or_404
from backend.common.enums import NORWEGIAN_LABELS, AbsenceReason, PlanStatus, Role, ShiftKind
from backend.common.localtime import OSLO, local_clock, local_date_of, local_instant
from backend.common.types import MAX_ID, utcnow
from backend.db import SessionDep
from backend.errors import DomainError, NotFound
from backend.kpis.service import week_label
from backend.planning.models import Plan, Route, Stop
from backend.planning.stand_ins import absence_behind, assess, call_in, entry_in_scope
from backend.rota.models import Absence, AbsenceCreate, RotaEntry, RotaEntryCreate
from backend.rota.service import add_absence, add_rota_entry, delete_absence, delete_rota_entry
from backend.stats.service import parse_iso_week
from backend.teams.service import list_teams
from backend.web.forms import (
    field_errors,
    posted_as,
    render,
    signed_in_as,
)

router = APIRouter(prefix="/konsoll/turnus", include_in_schema=False)
REASONS = {
    AbsenceReason.sick_leave: "sykemelding",
    AbsenceReason.self_certified: "egenmelding",
    AbsenceReason.holiday: "ferie",
    AbsenceReason.course: "kurs",
    AbsenceReason.leave: "permisjon",
    AbsenceReason.other: "annet",
}


def _week(text: str) -> dt.date:
    try:
        return parse_iso_week(text) if text else _monday(local_date_of(utcnow()))
    except ValueError:
        return _monday(local_date_of(utcnow()))


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _grid(
    session: Session, principal: Principal, team_id: int | None, monday: dt.date, **extra: Any
) -> dict[str, Any]:
    teams = list_teams(session, principal=principal)
    team = next((t for t in teams if t.id == team_id), teams[0] if teams else None)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    carers = list(
        session.exec(
            select(Carer)
            .where(Carer.team_id == (team.id if team else -1), col(Carer.active))
            .order_by(col(Carer.name))
        )
    )
    ids = [c.id for c in carers]
    shifts: dict[tuple[int, dt.date], list[RotaEntry]] = defaultdict(list)
    for entry in session.exec(
        select(RotaEntry).where(
            col(RotaEntry.carer_id).in_(ids), col(RotaEntry.date).between(days[0], days[-1])
        )
    ):
        shifts[(entry.carer_id, entry.date)].append(entry)
    start, end = local_instant(days[0], dt.time()), local_instant(days[-1] + dt.timedelta(days=1), dt.time())
    absences = list(
        session.exec(
            select(Absence)
            .where(col(Absence.carer_id).in_(ids), Absence.start < end, Absence.end > start)
            .order_by(col(Absence.start))
        )
    )
    away = {
        (a.carer_id, day)
        for a in absences
        for day in days
        if a.start < local_instant(day + dt.timedelta(days=1), dt.time())
        and a.end > local_instant(day, dt.time())
    }
    return {
        "principal": principal,
        "teams": teams,
        "team": team,
        "days": days,
        "week": week_label(monday),
        "previous": week_label(monday - dt.timedelta(weeks=1)),
        "next": week_label(monday + dt.timedelta(weeks=1)),
        "carers": carers,
        "shifts": shifts,
        "absences": absences,
        "away": away,
        "names": {c.id: c.name for c in carers},
        "reasons": REASONS,
        "kinds": [(k.value, NORWEGIAN_LABELS[k.value]) for k in ShiftKind],
        "labels": NORWEGIAN_LABELS,
        "local": lambda instant: instant.astimezone(OSLO),
        "errors": {},
        "values": {},
        "affected": [],
        "stand_ins": None,
        "message": "",
        **extra,
    }


def _render(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, "console_rota.html", context, status_code)


@router.get("", response_class=HTMLResponse)
def rota_page(
    request: Request, session: SessionDep, team_id: int = 0, uke: str = "", lagret: str = ""
) -> Response:
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    return _render(
        request, _grid(session, principal, team_id, _week(uke[:10]), message="Lagret." if lagret else "")
    )


def _back(team_id: str, week: str) -> Response:
    return RedirectResponse(
        f"/konsoll/turnus?team_id={int(team_id) if team_id.isdigit() else 0}&uke={week[:10]}&lagret=1",
        status_code=303,
    )


@router.post("/vakt", response_class=HTMLResponse)
async def add_shift(request: Request, session: SessionDep) -> Response:
    posted = await posted_as(request, session, Role.coordinator)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    values = {
        k: str(form.get(k, "")).strip()
        for k in (
            "carer_id",
            "date",
            "shift_kind",
            "start",
            "end",
            "break_minutes",
            "break_earliest",
            "break_latest",
        )
    }
    team_id, week = str(form.get("team_id", "")), str(form.get("week", ""))
    try:
        no_break = values["break_minutes"] in ("", "0")
        data = RotaEntryCreate.model_validate(
            {
                **values,
                "break_minutes": values["break_minutes"] or 0,
                "break_earliest": None if no_break else values["break_earliest"] or None,
                "break_latest": None if no_break else values["break_latest"] or None,
            }
        )
        add_rota_entry(session, principal=principal, data=data)
    except (ValidationError, DomainError, IntegrityError) as exc:
        session.rollback()
        errors = (
            {"shift": "Pleieren har allerede denne vakten den dagen."}
            if isinstance(exc, IntegrityError)
            else field_errors(exc)
        )
        grid = _grid(
            session,
            principal,
            int(team_id) if team_id.isdigit() else 0,
            _week(week),
            errors=errors,
            values=values,
        )
        return _render(request, grid, 422)
    return _back(team_id, week)


@router.post("/vakt/{entry_id}/slett", response_class=HTMLResponse)
async def remove_shift(entry_id: int, request: Request, session: SessionDep) -> Response:
    posted = await posted_as(request, session, Role.coordinator)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    try:
        delete_rota_entry(session, principal=principal, entry_id=entry_id)
    except DomainError:
        return HTMLResponse("<h1>Finnes ikke</h1><p>Vakten finnes ikke.</p>", status_code=404)
    return _back(str(form.get("team_id", "")), str(form.get("week", "")))


def affected_plans(session: Session, absence: Absence) -> list[dict[str, Any]]:
    """Published kjørelister that give the absent carer visits inside the absence: what needs re-planning."""
    rows = session.exec(
        select(Plan, func.count(col(Stop.id)))
        .join(Route, Route.plan_id == Plan.id)  # type: ignore[arg-type]
        .join(Stop, Stop.route_id == Route.id)  # type: ignore[arg-type]
        .where(Plan.status == PlanStatus.published, Route.carer_id == absence.carer_id)
        .where(Stop.planned_start < absence.end, Stop.planned_end > absence.start)
        .group_by(col(Plan.id))
        .order_by(col(Plan.date))
    ).all()
    return [{"plan": plan, "visits": int(n)} for plan, n in rows]


@router.post("/fravaer", response_class=HTMLResponse)
async def add_absence_page(request: Request, session: SessionDep) -> Response:
    posted = await posted_as(request, session, Role.coordinator)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    values = {
        k: str(form.get(k, "")).strip()
        for k in ("carer_id", "from_date", "from_time", "to_date", "to_time", "reason", "note")
    }
    team_id, week = str(form.get("team_id", "")), str(form.get("week", ""))
    team = int(team_id) if team_id.isdigit() else 0
    try:
        start = local_instant(
            dt.date.fromisoformat(values["from_date"]), dt.time.fromisoformat(values["from_time"] or "00:00")
        )
        end = local_instant(
            dt.date.fromisoformat(values["to_date"]), dt.time.fromisoformat(values["to_time"] or "23:59")
        )
    except ValueError:
        grid = _grid(
            session,
            principal,
            team,
            _week(week),
            errors={"absence": "Skriv datoene som ÅÅÅÅ-MM-DD og tidene som TT:MM."},
            values=values,
        )
        return _render(request, grid, 422)
    try:
        data = AbsenceCreate.model_validate(
            {
                "carer_id": values["carer_id"],
                "start": start,
                "end": end,
                "reason": values["reason"],
                "note": values["note"],
            }
        )
        absence = add_absence(session, principal=principal, data=data)
    except (ValidationError, DomainError, IntegrityError) as exc:
        session.rollback()
        errors = (
            {"absence": "Det samme fraværet er allerede registrert."}
            if isinstance(exc, IntegrityError)
            else field_errors(exc)
        )
        errors = {("absence" if k in ("_", "start", "end") else k): v for k, v in errors.items()}
        return _render(
            request, _grid(session, principal, team, _week(week), errors=errors, values=values), 422
        )
    grid = _grid(
        session,
        principal,
        team,
        _week(week),
        affected=affected_plans(session, absence),
        stand_ins=stand_in_offers(session, principal, absence),
        message="Fraværet er registrert.",
    )
    return _render(request, grid)


def stand_in_offers(session: Session, principal: Principal, absence: Absence) -> list[dict[str, Any]]:
    """For the absent carer's shifts still to come in the absence (the first three), who can be called in:
    the three best stand-ins of backend.planning.stand_ins."""
    now = utcnow()
    entries = session.exec(
        select(RotaEntry)
        .where(RotaEntry.carer_id == absence.carer_id, RotaEntry.start < absence.end)
        .where(RotaEntry.end > max(absence.start, now))
        .order_by(col(RotaEntry.start))
        .limit(3)
    ).all()
    return [
        {"entry": e, "able": assess(session, principal=principal, entry=e, now=now)[0][:3]} for e in entries
    ]


@router.get("/fravaer/{absence_id}/vikar", response_class=HTMLResponse)
def stand_ins_page(request: Request, session: SessionDep, absence_id: int, uke: str = "") -> Response:
    """«Finn vikar» on a registered absence: the lists it empties and who can be called in."""
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    absence = session.get(Absence, absence_id) if 0 < absence_id <= MAX_ID else None
    carer = session.get(Carer, absence.carer_id) if absence is not None else None
    if absence is None or carer is None or carer.team_id not in principal.team_ids:
        return HTMLResponse("<h1>Finnes ikke</h1><p>Fraværet finnes ikke.</p>", status_code=404)
    grid = _grid(
        session,
        principal,
        carer.team_id,
        _week(uke[:10]),
        affected=affected_plans(session, absence),
        stand_ins=stand_in_offers(session, principal, absence),
    )
    return _render(request, grid)


@router.post("/vikar", response_class=HTMLResponse)
async def call_in_page(request: Request, session: SessionDep) -> Response:
    """«Kall inn»: the stand-in's shift is added; the page then points to the lists to re-plan."""
    posted = await posted_as(request, session, Role.coordinator)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    team_id, week = str(form.get("team_id", "")), str(form.get("week", ""))
    team = int(team_id) if team_id.isdigit() else 0
    entry_id, carer_id = str(form.get("entry_id", "")), str(form.get("carer_id", ""))
    try:
        if not all(v.isdigit() and 0 < int(v) <= MAX_ID for v in (entry_id, carer_id)):
            raise NotFound("Vakten finnes ikke.")
        entry = entry_in_scope(session, principal=principal, entry_id=int(entry_id))
        shift = call_in(session, principal=principal, entry=entry, carer_id=int(carer_id))
        absence = absence_behind(session, entry)
    except DomainError as exc:
        session.rollback()
        grid = _grid(session, principal, team, _week(week), errors={"stand_in": exc.message})
        return _render(request, grid, exc.status_code)
    name = get_or_404(session, Carer, shift.carer_id, "Pleier").name
    grid = _grid(
        session,
        principal,
        team,
        _week(week),
        affected=affected_plans(session, absence),
        message=f"{name} er kalt inn {shift.date:%d.%m.%Y} fra {local_clock(shift.start)}.",
    )
    return _render(request, grid)


@router.post("/fravaer/{absence_id}/slett", response_class=HTMLResponse)
async def remove_absence(absence_id: int, request: Request, session: SessionDep) -> Response:
    posted = await posted_as(request, session, Role.coordinator)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    try:
        delete_absence(session, principal=principal, absence_id=absence_id)
    except DomainError:
        return HTMLResponse("<h1>Finnes ikke</h1><p>Fraværet finnes ikke.</p>", status_code=404)
    return _back(str(form.get("team_id", "")), str(form.get("week", "")))
