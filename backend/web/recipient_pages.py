"""The coordinator's pages for recipients (/konsoll/brukere): a searchable, paged list of the teams' recipients,
a new recipient (address looked up in the imported Matrikkel addresses, or coordinates given), and one
recipient's page: details, next of kin and their consent, deactivation, and the vedtak with the visits
they give over the next two weeks. Same services and validation as the API; every recipient shown is
written to the access log."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from backend.addresses.service import lookup
from backend.audit.service import log_recipient_reads
from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.common.enums import Role
from backend.common.localtime import OSLO, local_date_of
from backend.common.types import utcnow
from backend.db import SessionDep
from backend.decisions.expansion import visits_for
from backend.decisions.models import ServiceDecision
from backend.errors import DomainError, InvalidInput
from backend.planning.networks import network_for
from backend.recipients.models import NextOfKin, NextOfKinCreate, Recipient, RecipientCreate, RecipientUpdate
from backend.recipients.service import (
    add_next_of_kin,
    create_recipient,
    recipient_in_scope,
    remove_next_of_kin,
    update_recipient,
)
from backend.teams.models import Team
from backend.teams.service import list_teams
from backend.web.decision_form import decision_form_context
from backend.web.forms import (
    PAGE_SIZE,
    field_errors,
    page_links,
    posted_as,
    render,
    signed_in_as,
)
from maps import DEFAULT_MAX_SNAP_M, MapError, Point, network_lines, snap

router = APIRouter(prefix="/konsoll/brukere", include_in_schema=False)
FIELDS = (
    "name",
    "external_id",
    "address",
    "lat",
    "lon",
    "phone",
    "language",
    "access_notes",
    "team_id",
    "primary_carer_id",
)
PREVIEW_DAYS = 14
_STREET_NUMBER = re.compile(
    r"^\s*(?P<street>.+?)\s+(?P<number>\d+)\s*(?P<letter>[A-Za-z]?)\s*(?:,\s*(?P<postcode>\d{4}))?"
)


def log_and_commit(
    session: Session, principal: Principal, request: Request, recipient_ids: list[int], action: str
) -> None:
    """The access-log rows for the recipients a page showed or changed, committed with the change."""
    log_recipient_reads(
        session, principal=principal, recipient_ids=recipient_ids, action=action, path=str(request.url.path)
    )
    session.commit()


def _teams(session: Session, principal: Principal) -> list[Team]:
    return list_teams(session, principal=principal)


def _carers(session: Session, principal: Principal) -> list[Carer]:
    query = select(Carer).where(col(Carer.team_id).in_(principal.team_ids), col(Carer.active))
    return list(session.exec(query.order_by(col(Carer.name))))


@router.get("", response_class=HTMLResponse)
def recipients_page(
    request: Request, session: SessionDep, q: str = "", offset: int = 0, lagret: str = ""
) -> Response:
    """Never one page of everything: 50 at a time, searched by name, brukernummer or address."""
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    query = select(Recipient).where(col(Recipient.team_id).in_(principal.team_ids))
    if q.strip():
        pattern = f"%{q.strip().lower()[:100]}%"
        query = query.where(
            or_(
                func.lower(Recipient.name).like(pattern),
                func.lower(Recipient.address).like(pattern),
                func.lower(func.coalesce(Recipient.external_id, "")).like(pattern),
            )
        )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    offset = max(0, min(offset, 10_000_000))
    rows = list(
        session.exec(query.order_by(col(Recipient.name), col(Recipient.id)).limit(PAGE_SIZE).offset(offset))
    )
    log_and_commit(session, principal, request, [r.id or 0 for r in rows], "list recipients")
    teams = {t.id: t.name for t in _teams(session, principal)}
    return render(
        request,
        "console_recipients.html",
        {
            "principal": principal,
            "rows": rows,
            "teams": teams,
            "q": q[:100],
            "paging": page_links(offset, total),
            "saved": lagret[:200],
        },
    )


def _form_context(
    session: Session, principal: Principal, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    language = values.get("language")
    values = {**values, "language": str(getattr(language, "value", language) or "nb")}
    return {
        "principal": principal,
        "values": values,
        "errors": errors,
        "teams": _teams(session, principal),
        "carers": _carers(session, principal),
    }


PIN_MAP_MARGIN_DEG = 0.004  # about 450 m north-south around the pin


@router.get("/veier")
def roads_around(
    request: Request,
    session: SessionDep,
    lat: float = Query(ge=-90, le=90),
    lon: float = Query(ge=-180, le=180),
) -> Response:
    """The roads around a point (the municipality's imported OSM network, no tile server): the base layer of
    the map where the coordinator moves a recipient's entrance pin. No recipient data in or out."""
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    try:
        network = network_for(request.app.state.settings, "car")
    except DomainError as exc:
        return JSONResponse({"detail": exc.message}, status_code=409)
    m = PIN_MAP_MARGIN_DEG
    return JSONResponse(network_lines(network, (lat - m, lon - 2 * m, lat + m, lon + 2 * m)))


def _pin_near_a_road(request: Request, values: dict[str, Any]) -> None:
    """The entrance pin must lie where the planner can reach it: inside the municipality's map and near a
    road (the same rule the planner applies, told now beside the field rather than at the next plan)."""
    try:
        point = Point(float(values["lat"]), float(values["lon"]))
        network = network_for(request.app.state.settings, "car")
    except (TypeError, ValueError, KeyError, DomainError):
        return  # unreadable coordinates are named by the model; without a map the planner says it
    try:
        snap(network, [point])
    except MapError:
        raise InvalidInput(
            f"Inngangen ({point.lat:.5f}, {point.lon:.5f}) ligger utenfor kommunens kart eller mer enn "
            f"{DEFAULT_MAX_SNAP_M:.0f} m fra nærmeste vei. Flytt nålen til inngangen.",
            field="lat",
        ) from None


@router.get("/ny", response_class=HTMLResponse)
def new_recipient_page(request: Request, session: SessionDep) -> Response:
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    return render(
        request, "console_recipient_new.html", _form_context(session, principal, {"language": "nb"}, {})
    )


def _located(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """Coordinates from the Matrikkel address when none were typed (the pin can be moved after)."""
    if values.get("lat") or values.get("lon"):
        return values
    match = _STREET_NUMBER.match(str(values.get("address", "")))
    if match is None:
        raise InvalidInput(
            "Skriv adressen som «Gate 12» (eventuelt «Gate 12B, 3400»), eller oppgi koordinater.",
            field="address",
        )
    try:
        found = lookup(
            session,
            street=match["street"],
            number=int(match["number"]),
            letter=match["letter"] or "",
            postcode=match["postcode"],
        )
    except DomainError as exc:  # not found, or in several towns: said beside the address
        raise InvalidInput(exc.message, field="address") from exc
    return {**values, "lat": found.lat, "lon": found.lon, "address": found.label}


def _recipient_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in FIELDS}
    values["notice_consent"] = form.get("notice_consent") == "on"
    values["visit_plan_consent"] = form.get("visit_plan_consent") == "on"
    values["primary_carer_id"] = values["primary_carer_id"] or None
    values["external_id"] = values["external_id"] or None
    values["phone"] = values["phone"] or None
    return values


@router.post("", response_class=HTMLResponse)
async def create_recipient_page(request: Request, session: SessionDep) -> Response:
    posted = await posted_as(request, session, Role.coordinator)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    values = _recipient_values(form)
    kin = {k: str(form.get(f"kin_{k}", "")).strip() for k in ("name", "relation", "phone")}
    try:
        located = _located(session, values)
        _pin_near_a_road(request, located)
        data = RecipientCreate.model_validate(
            {
                **located,
                "next_of_kin": [
                    {
                        **kin,
                        "relation": kin["relation"] or None,
                        "notice_consent": form.get("kin_notice_consent") == "on",
                    }
                ]
                if kin["name"]
                else [],
            }
        )
        recipient = create_recipient(session, principal=principal, data=data)
        log_and_commit(session, principal, request, [recipient.id or 0], "create recipient")
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors = {
            ("kin_" + k.split(".")[-1] if k.startswith("next_of_kin") else k): v
            for k, v in field_errors(exc).items()
        }
        return render(
            request,
            "console_recipient_new.html",
            _form_context(session, principal, {**values, **{f"kin_{k}": v for k, v in kin.items()}}, errors),
            422,
        )
    return RedirectResponse(f"/konsoll/brukere/{recipient.id}?lagret=1", status_code=303)


def _preview(session: Session, recipient: Recipient) -> list[dict[str, Any]]:
    """The visits the recipient's vedtak give over the next two weeks, day by day."""
    today = local_date_of(utcnow())
    days = []
    for offset in range(PREVIEW_DAYS):
        day = today + dt.timedelta(days=offset)
        visits = [
            v
            for v in visits_for(session, day=day, team_id=recipient.team_id)
            if v.recipient_id == recipient.id
        ]
        days.append({"day": day, "visits": visits})
    return days


def recipient_context(
    session: Session, principal: Principal, recipient: Recipient, errors: dict[str, str]
) -> dict[str, Any]:
    decisions = list(
        session.exec(
            select(ServiceDecision)
            .where(ServiceDecision.recipient_id == recipient.id)
            .order_by(col(ServiceDecision.valid_from))
        )
    )
    kin = list(
        session.exec(
            select(NextOfKin).where(NextOfKin.recipient_id == recipient.id).order_by(col(NextOfKin.id))
        )
    )
    return {
        **_form_context(session, principal, recipient.model_dump(), errors),
        "recipient": recipient,
        "kin": kin,
        "decisions": decisions,
        "preview": _preview(session, recipient),
        **decision_form_context(
            {
                "valid_from": local_date_of(utcnow()).isoformat(),
                "interval_weeks": "1",
                "weekdays": [1, 2, 3, 4, 5, 6, 7],
            },
            {},
        ),
        "today": local_date_of(utcnow()),
        "local": lambda instant: instant.astimezone(OSLO),
    }


def recipient_in_scope_or_404(
    session: Session, principal: Principal, recipient_id: int
) -> Recipient | Response:
    """The recipient when the coordinator's teams reach them; the same 404 without a name otherwise."""
    try:
        if 0 < recipient_id < 2**31:
            return recipient_in_scope(session, principal=principal, recipient_id=recipient_id)
    except DomainError:
        pass
    return HTMLResponse(
        "<h1>Finnes ikke</h1><p>Brukeren finnes ikke, eller hører ikke til dine team.</p>", status_code=404
    )


def viewed_recipient(
    request: Request, session: Session, recipient_id: int
) -> tuple[Principal, Recipient] | Response:
    """A page about one recipient: the coordinator and the recipient within their teams; otherwise the answer
    to give (login, 403, 404 without a name). posted_about_recipient is its twin for posted forms."""
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    recipient = recipient_in_scope_or_404(session, principal, recipient_id)
    return recipient if isinstance(recipient, Response) else (principal, recipient)


@router.get("/{recipient_id}", response_class=HTMLResponse)
def recipient_page(recipient_id: int, request: Request, session: SessionDep, lagret: str = "") -> Response:
    viewed = viewed_recipient(request, session, recipient_id)
    if isinstance(viewed, Response):
        return viewed
    principal, recipient = viewed
    log_and_commit(session, principal, request, [recipient_id], "read recipient")
    return render(
        request,
        "console_recipient.html",
        {**recipient_context(session, principal, recipient, {}), "saved": bool(lagret)},
    )


async def posted_about_recipient(
    request: Request, session: Session, recipient_id: int
) -> tuple[Principal, Recipient, Any] | Response:
    """A form posted about one recipient: the coordinator, the recipient within their teams and the form with
    its token checked; otherwise the answer to give (login, 403, 404 without a name, expired form)."""
    posted = await posted_as(request, session, Role.coordinator)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    recipient = recipient_in_scope_or_404(session, principal, recipient_id)
    return recipient if isinstance(recipient, Response) else (principal, recipient, form)


@router.post("/{recipient_id}", response_class=HTMLResponse)
async def change_recipient(recipient_id: int, request: Request, session: SessionDep) -> Response:
    posted = await posted_about_recipient(request, session, recipient_id)
    if isinstance(posted, Response):
        return posted
    principal, recipient, form = posted
    values = {k: v for k, v in _recipient_values(form).items() if k != "external_id"}
    values["active"] = form.get("active") == "on"
    try:
        _pin_near_a_road(request, values)
        update_recipient(
            session,
            principal=principal,
            recipient_id=recipient_id,
            data=RecipientUpdate.model_validate(values),
        )
        log_and_commit(session, principal, request, [recipient_id], "change recipient")
    except (ValidationError, DomainError) as exc:
        session.rollback()
        session.refresh(recipient)
        return render(
            request,
            "console_recipient.html",
            {**recipient_context(session, principal, recipient, field_errors(exc)), "saved": False},
            422,
        )
    return RedirectResponse(f"/konsoll/brukere/{recipient_id}?lagret=1", status_code=303)


@router.post("/{recipient_id}/parorende", response_class=HTMLResponse)
async def add_kin(recipient_id: int, request: Request, session: SessionDep) -> Response:
    posted = await posted_about_recipient(request, session, recipient_id)
    if isinstance(posted, Response):
        return posted
    principal, recipient, form = posted
    try:
        data = NextOfKinCreate.model_validate(
            {
                "name": str(form.get("kin_name", "")),
                "relation": str(form.get("kin_relation", "")).strip() or None,
                "phone": str(form.get("kin_phone", "")),
                "notice_consent": form.get("kin_notice_consent") == "on",
            }
        )
        add_next_of_kin(session, principal=principal, recipient_id=recipient_id, data=data)
        log_and_commit(session, principal, request, [recipient_id], "add next of kin")
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors = {f"kin_{k}": v for k, v in field_errors(exc).items()}
        return render(
            request,
            "console_recipient.html",
            {**recipient_context(session, principal, recipient, errors), "saved": False},
            422,
        )
    return RedirectResponse(f"/konsoll/brukere/{recipient_id}?lagret=1", status_code=303)


@router.post("/{recipient_id}/parorende/{kin_id}/slett", response_class=HTMLResponse)
async def remove_kin(recipient_id: int, kin_id: int, request: Request, session: SessionDep) -> Response:
    posted = await posted_about_recipient(request, session, recipient_id)
    if isinstance(posted, Response):
        return posted
    principal = posted[0]
    try:
        remove_next_of_kin(session, principal=principal, recipient_id=recipient_id, kin_id=kin_id)
    except DomainError:
        return HTMLResponse("<h1>Finnes ikke</h1><p>Pårørende finnes ikke.</p>", status_code=404)
    return RedirectResponse(f"/konsoll/brukere/{recipient_id}?lagret=1", status_code=303)
