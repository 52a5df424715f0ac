"""The coordinator's pages for carers (/konsoll/pleiere): the teams' staff with competences, task
qualifications, travel mode, employment share and whether they have a tablet login; one carer's form.
Same service and validation as the API (a carer who leaves loses their tablet login)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select

from backend.auth.models import User
from backend.auth.service import Principal
from backend.carers.competence import PROFESSIONS, QUALIFICATIONS
from backend.carers.models import Carer, CarerUpdate
from backend.carers.service import carer_in_scope, list_carers, update_carer
from backend.common.enums import NORWEGIAN_LABELS, Role, TravelMode
from backend.db import SessionDep
from backend.errors import DomainError
from backend.teams.service import list_teams
from backend.web.forms import (
    field_errors,
    posted_as,
    render,
    signed_in_as,
)
from backend.web.router import TEMPLATES

router = APIRouter(prefix="/konsoll/pleiere", include_in_schema=False)
MODES = [(m.value, NORWEGIAN_LABELS.get(m.value, m.value)) for m in TravelMode]


def _context(session: Session, principal: Principal, **extra: Any) -> dict[str, Any]:
    teams = list_teams(session, principal=principal)
    return {
        "principal": principal,
        "teams": teams,
        "team_names": {t.id: t.name for t in teams},
        "professions": PROFESSIONS,
        "qualifications": QUALIFICATIONS,
        "modes": MODES,
        "labels": NORWEGIAN_LABELS,
        **extra,
    }


@router.get("", response_class=HTMLResponse)
def carers_page(request: Request, session: SessionDep) -> Response:
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    carers = list_carers(session, principal=principal)
    logins = set(session.exec(select(User.carer_id).where(col(User.carer_id).is_not(None), col(User.active))))
    return TEMPLATES.TemplateResponse(
        request, "console_carers.html", _context(session, principal, carers=carers, logins=logins)
    )


def _carer_or_404(session: Session, principal: Principal, carer_id: int) -> Carer | Response:
    try:
        if 0 < carer_id < 2**31:
            return carer_in_scope(session, principal=principal, carer_id=carer_id)
    except DomainError:
        pass
    return HTMLResponse(
        "<h1>Finnes ikke</h1><p>Pleieren finnes ikke, eller hører ikke til dine team.</p>", status_code=404
    )


def _render_carer(
    request: Request,
    session: Session,
    principal: Principal,
    carer: Carer,
    errors: dict[str, str],
    saved: bool,
    status_code: int = 200,
) -> Response:
    context = _context(session, principal, carer=carer, errors=errors, saved=saved)
    return render(request, "console_carer.html", context, status_code)


@router.get("/{carer_id}", response_class=HTMLResponse)
def carer_page(carer_id: int, request: Request, session: SessionDep, lagret: str = "") -> Response:
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    carer = _carer_or_404(session, principal, carer_id)
    if isinstance(carer, Response):
        return carer
    return _render_carer(request, session, principal, carer, {}, bool(lagret))


@router.post("/{carer_id}", response_class=HTMLResponse)
async def change_carer(carer_id: int, request: Request, session: SessionDep) -> Response:
    posted = await posted_as(request, session, Role.coordinator)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    carer = _carer_or_404(session, principal, carer_id)
    if isinstance(carer, Response):
        return carer
    values: dict[str, Any] = {
        k: str(form.get(k, "")).strip()
        for k in ("name", "team_id", "employment_pct", "transport_mode", "phone")
    }
    values["competences"] = [str(c) for c in form.getlist("competences")]
    values["active"] = form.get("active") == "on"
    values["phone"] = values["phone"] or None
    try:
        update_carer(session, principal=principal, carer_id=carer_id, data=CarerUpdate.model_validate(values))
    except (ValidationError, DomainError) as exc:
        session.rollback()
        session.refresh(carer)
        return _render_carer(request, session, principal, carer, field_errors(exc), False, 422)
    return RedirectResponse(f"/konsoll/pleiere/{carer_id}?lagret=1", status_code=303)
