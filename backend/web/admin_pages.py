"""The administrator's pages (/admin): logins, municipality settings, the access log for the data-protection
officer and the log of administrators' changes. Server-rendered forms over the same services and models as
the API (same validation, same admin-action log); errors shown next to the field they concern."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from backend.admin import service
from backend.audit.models import AccessLog, AdminAction
from backend.audit.service import log_admin_action
from backend.auth.models import User, UserCreate, UserUpdate
from backend.auth.service import team_ids_of
from backend.carers.models import Carer
from backend.common.enums import NORWEGIAN_LABELS, Role
from backend.common.localtime import OSLO, local_midnight
from backend.common.spreadsheet import csv_cell
from backend.db import SessionDep
from backend.errors import DomainError
from backend.municipality.models import MunicipalitySettingsUpdate
from backend.municipality.service import get_municipality_settings, update_municipality_settings
from backend.teams.models import Team
from backend.web.forms import (
    PAGE_SIZE,
    checked_form,
    expired_form,
    field_errors,
    page_links,
    posted_as,
    render,
    signed_in_as,
)

router = APIRouter(prefix="/admin", include_in_schema=False)
ROLES = [
    (r.value, NORWEGIAN_LABELS[r.value]) for r in (Role.coordinator, Role.carer, Role.manager, Role.admin)
]


@router.get("", response_class=HTMLResponse)
def admin_home(request: Request, session: SessionDep) -> Response:
    principal = signed_in_as(request, session, Role.admin)
    if isinstance(principal, Response):
        return principal
    counts = {
        "logins": session.exec(select(func.count()).select_from(User)).one(),
        "teams": session.exec(select(func.count()).select_from(Team)).one(),
    }
    return render(request, "admin_home.html", {"principal": principal, "counts": counts})


def _logins_context(session: Session, q: str, offset: int) -> dict[str, Any]:
    query = select(User)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            or_(func.lower(User.username).like(pattern), func.lower(User.full_name).like(pattern))
        )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    users = list(session.exec(query.order_by(col(User.username)).limit(PAGE_SIZE).offset(offset)))
    teams = list(session.exec(select(Team).order_by(col(Team.name))))
    names = {t.id: t.name for t in teams}
    linked = set(session.exec(select(User.carer_id).where(col(User.carer_id).is_not(None))))
    free_carers = [
        c
        for c in session.exec(select(Carer).where(col(Carer.active)).order_by(col(Carer.name)))
        if c.id not in linked
    ]
    rows = [
        {
            "user": u,
            "role": NORWEGIAN_LABELS.get(u.role.value, u.role.value),
            "teams": ", ".join(sorted(names.get(t, "?") for t in team_ids_of(session, u.id or 0))),
        }
        for u in users
    ]
    return {
        "rows": rows,
        "q": q,
        "paging": page_links(offset, total),
        "teams": teams,
        "roles": ROLES,
        "carers": free_carers,
    }


@router.get("/innlogginger", response_class=HTMLResponse)
def logins_page(
    request: Request, session: SessionDep, q: str = "", offset: int = 0, lagret: str = ""
) -> Response:
    principal = signed_in_as(request, session, Role.admin)
    if isinstance(principal, Response):
        return principal
    context = _logins_context(session, q[:100], max(0, min(offset, 10_000_000)))
    return render(
        request,
        "admin_logins.html",
        {**context, "principal": principal, "saved": lagret[:100], "errors": {}, "values": {}},
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@router.post("/innlogginger", response_class=HTMLResponse)
async def create_login(request: Request, session: SessionDep) -> Response:
    posted = await posted_as(request, session, Role.admin)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    values = {k: str(form.get(k, "")).strip() for k in ("username", "full_name", "role", "carer_id")}
    errors: dict[str, str] = {}
    if str(form.get("password", "")) != str(form.get("password_again", "")):
        errors["password_again"] = "Passordene er ikke like."
    else:
        try:
            data = UserCreate(
                username=values["username"].lower(),
                full_name=values["full_name"],
                password=str(form.get("password", "")),
                role=values["role"],
                carer_id=int(values["carer_id"]) if values["carer_id"].isdigit() else None,
                team_ids=_ids([str(v) for v in form.getlist("team_ids")]),
            )
            user = service.create_user(session, data=data, principal=principal)
            return RedirectResponse(f"/admin/innlogginger?lagret={user.username}", status_code=303)
        except (ValidationError, DomainError) as exc:
            session.rollback()
            errors = field_errors(exc)
    context = _logins_context(session, "", 0)
    return render(
        request,
        "admin_logins.html",
        {**context, "principal": principal, "saved": "", "errors": errors, "values": values},
        422,
    )


def _login_context(session: Session, user: User) -> dict[str, Any]:
    return {
        "user": user,
        "role": NORWEGIAN_LABELS.get(user.role.value, user.role.value),
        "teams": list(session.exec(select(Team).order_by(col(Team.name)))),
        "chosen": team_ids_of(session, user.id or 0),
        "has_teams": user.role in (Role.coordinator, Role.manager),
        "carer": session.get(Carer, user.carer_id) if user.carer_id else None,
    }


@router.get("/innlogginger/{user_id}", response_class=HTMLResponse)
def login_page(user_id: int, request: Request, session: SessionDep, lagret: str = "") -> Response:
    principal = signed_in_as(request, session, Role.admin)
    if isinstance(principal, Response):
        return principal
    user = session.get(User, user_id) if 0 < user_id < 2**31 else None
    if user is None:
        return HTMLResponse("<h1>Finnes ikke</h1><p>Innloggingen finnes ikke.</p>", status_code=404)
    return render(
        request,
        "admin_login.html",
        {**_login_context(session, user), "principal": principal, "saved": bool(lagret), "errors": {}},
    )


@router.post("/innlogginger/{user_id}", response_class=HTMLResponse)
async def change_login(user_id: int, request: Request, session: SessionDep) -> Response:
    principal = signed_in_as(request, session, Role.admin)
    if isinstance(principal, Response):
        return principal
    user = session.get(User, user_id) if 0 < user_id < 2**31 else None
    if user is None:
        return HTMLResponse("<h1>Finnes ikke</h1><p>Innloggingen finnes ikke.</p>", status_code=404)
    form = await checked_form(request)
    if form is None:
        return expired_form()
    password = str(form.get("password", ""))
    errors: dict[str, str] = {}
    if password != str(form.get("password_again", "")):
        errors["password_again"] = "Passordene er ikke like."
    else:
        try:
            changes: dict[str, Any] = {
                "full_name": str(form.get("full_name", "")),
                "active": form.get("active") == "on",
            }
            if password:
                changes["password"] = password
            if user.role in (Role.coordinator, Role.manager):
                changes["team_ids"] = _ids([str(v) for v in form.getlist("team_ids")])
            service.update_user(session, user_id=user_id, data=UserUpdate(**changes), principal=principal)
            return RedirectResponse(f"/admin/innlogginger/{user_id}?lagret=1", status_code=303)
        except (ValidationError, DomainError) as exc:
            session.rollback()
            errors = field_errors(exc)
    session.refresh(user)
    return render(
        request,
        "admin_login.html",
        {**_login_context(session, user), "principal": principal, "saved": False, "errors": errors},
        422,
    )


@router.get("/innstillinger", response_class=HTMLResponse)
def settings_page(request: Request, session: SessionDep, lagret: str = "") -> Response:
    principal = signed_in_as(request, session, Role.admin)
    if isinstance(principal, Response):
        return principal
    row = get_municipality_settings(session, default_name=request.app.state.settings.municipality_name)
    return render(
        request,
        "admin_settings.html",
        {"principal": principal, "values": row.model_dump(), "errors": {}, "saved": bool(lagret)},
    )


@router.post("/innstillinger", response_class=HTMLResponse)
async def change_settings(request: Request, session: SessionDep) -> Response:
    posted = await posted_as(request, session, Role.admin)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    values: dict[str, Any] = {k: str(v).strip() for k, v in form.items() if k != "form_token"}
    values["allow_cross_team_nurses"] = form.get("allow_cross_team_nurses") == "on"
    values["lend_across_teams"] = form.get("lend_across_teams") == "on"
    values["visit_plan_carer_names"] = form.get("visit_plan_carer_names") == "on"
    values["notice_phone"] = values.get("notice_phone") or None
    try:
        data = MunicipalitySettingsUpdate.model_validate(values)
        log_admin_action(session, principal=principal, action="endret kommuneinnstillinger", target=data.name)
        update_municipality_settings(session, data=data)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        return render(
            request,
            "admin_settings.html",
            {"principal": principal, "values": values, "errors": field_errors(exc), "saved": False},
            422,
        )
    return RedirectResponse("/admin/innstillinger?lagret=1", status_code=303)


def to_local(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(OSLO)


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _access_query(user: str, recipient: str, start: dt.date | None, end: dt.date | None) -> Any:
    query = select(AccessLog)
    if user:
        query = query.where(func.lower(AccessLog.username) == user.strip().lower())
    if recipient.strip().isdigit() and int(recipient) < 2**31:
        query = query.where(AccessLog.recipient_id == int(recipient))
    if start:
        query = query.where(AccessLog.at >= local_midnight(start))
    if end:
        query = query.where(AccessLog.at < local_midnight(end + dt.timedelta(days=1)))
    return query


@router.get("/tilgangslogg", response_class=HTMLResponse)
def access_log_page(
    request: Request,
    session: SessionDep,
    bruker: str = "",
    mottaker: str = "",
    fra: str = "",
    til: str = "",
    offset: int = 0,
) -> Response:
    """Who read which recipient's data, filtered by login, recipient and period, with a CSV export."""
    principal = signed_in_as(request, session, Role.admin)
    if isinstance(principal, Response):
        return principal
    start, end = _day(fra), _day(til)
    errors = {
        k: "Skriv datoen som ÅÅÅÅ-MM-DD."
        for k, v, d in (("fra", fra, start), ("til", til, end))
        if v and d is None
    }
    query = _access_query(bruker[:100], mottaker[:12], start, end)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    offset = max(0, min(offset, 10_000_000))
    rows = list(session.exec(query.order_by(col(AccessLog.id).desc()).limit(PAGE_SIZE).offset(offset)))
    filters = {"bruker": bruker[:100], "mottaker": mottaker[:12], "fra": fra[:10], "til": til[:10]}
    return render(
        request,
        "admin_access_log.html",
        {
            "principal": principal,
            "rows": rows,
            "local": to_local,
            "filters": filters,
            "errors": errors,
            "paging": page_links(offset, total),
        },
        422 if errors else 200,
    )


@router.get("/tilgangslogg.csv")
def access_log_csv(
    request: Request, session: SessionDep, bruker: str = "", mottaker: str = "", fra: str = "", til: str = ""
) -> Response:
    principal = signed_in_as(request, session, Role.admin)
    if isinstance(principal, Response):
        return principal
    query = _access_query(bruker[:100], mottaker[:12], _day(fra), _day(til)).order_by(col(AccessLog.id))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["tid", "brukernavn", "rolle", "mottaker_id", "handling", "sti"])
    for row in session.exec(query.limit(200_000)):
        cells = (
            to_local(row.at).isoformat(timespec="seconds"),
            row.username,
            row.role,
            row.recipient_id,
            row.action,
            row.path,
        )
        writer.writerow([csv_cell(c) for c in cells])
    log_admin_action(
        session,
        principal=principal,
        action="eksporterte tilgangslogg",
        target=f"filter {bruker or '-'} {mottaker or '-'} {fra or '-'}..{til or '-'}",
    )
    session.commit()
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tilgangslogg.csv"'},
    )


@router.get("/endringer", response_class=HTMLResponse)
def admin_actions_page(request: Request, session: SessionDep, offset: int = 0) -> Response:
    principal = signed_in_as(request, session, Role.admin)
    if isinstance(principal, Response):
        return principal
    offset = max(0, min(offset, 10_000_000))
    total = session.exec(select(func.count()).select_from(AdminAction)).one()
    rows = list(
        session.exec(select(AdminAction).order_by(col(AdminAction.id).desc()).limit(PAGE_SIZE).offset(offset))
    )
    return render(
        request,
        "admin_actions.html",
        {"principal": principal, "rows": rows, "local": to_local, "paging": page_links(offset, total)},
    )
