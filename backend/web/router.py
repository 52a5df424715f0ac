"""Server-rendered pages in Norwegian: login and the start page for each role."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import col, select

from backend.auth.deps import SESSION_COOKIE, current_principal
from backend.auth.service import Principal, authenticate, issue_token, revoke_token
from backend.common.enums import NORWEGIAN_LABELS, Role
from backend.db import SessionDep
from backend.errors import NotAuthenticated, TooManyRequests
from backend.teams.models import Team
from backend.web.i18n import LANGUAGE_COOKIE, LANGUAGES, i18n_context, safe_return_path

TEMPLATES = Jinja2Templates(
    directory=str(Path(__file__).parent / "templates"), context_processors=[i18n_context]
)
router = APIRouter(include_in_schema=False)


def principal_or_none(request: Request, session: SessionDep) -> Principal | None:
    try:
        return current_principal(request, session)
    except NotAuthenticated:
        return None


LOGIN_FORM_COOKIE = "hjemmerute_login_form"
FOREIGN_FORM = "Innloggingsskjemaet er utløpt eller kom fra en annen side. Prøv igjen."


def login_form(request: Request, error: str | None, status_code: int = 200) -> Response:
    """The login page with a fresh form token, also set as a SameSite=Strict cookie: a foreign page that
    posts the form (login CSRF: logging the browser in as the attacker's carer) has no cookie to match."""
    form_token = secrets.token_urlsafe(24)
    response = TEMPLATES.TemplateResponse(
        request,
        "login.html",
        {"error": error, "form_token": form_token, "sso": request.app.state.settings.oidc_enabled},
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_FORM_COOKIE,
        form_token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
        max_age=3600,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return login_form(request, None)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    form_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_FORM_COOKIE, "")
    if not expected or not secrets.compare_digest(expected.encode(), form_token.encode()):
        return login_form(request, FOREIGN_FORM, status_code=403)
    address = request.client.host if request.client else None
    try:
        user = authenticate(session, username=username, password=password, address=address)
    except (NotAuthenticated, TooManyRequests) as exc:
        return login_form(request, exc.message, status_code=exc.status_code)
    settings = request.app.state.settings
    token, _ = issue_token(session, user=user, ttl_hours=settings.token_ttl_hours)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(LOGIN_FORM_COOKIE)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=settings.token_ttl_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        revoke_token(session, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> Response:
    principal = principal_or_none(request, session)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    teams = list(session.exec(select(Team).order_by(col(Team.name))))
    if principal.role == Role.coordinator:
        teams = [t for t in teams if t.id in principal.team_ids]
    return TEMPLATES.TemplateResponse(
        request,
        "home.html",
        {
            "principal": principal,
            "role_label": NORWEGIAN_LABELS.get(principal.role.value, principal.role.value),
            "teams": teams if principal.role != Role.carer else [],
        },
    )


@router.post("/sprak")
def choose_language(
    sprak: Annotated[str, Form(max_length=5)] = "nb", tilbake: Annotated[str, Form(max_length=500)] = "/"
) -> Response:
    """Bokmål or nynorsk for the pages, remembered in this browser for a year."""
    response = RedirectResponse(safe_return_path(tilbake), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, sprak if sprak in LANGUAGES else "nb", samesite="lax", max_age=365 * 24 * 3600
    )
    return response
