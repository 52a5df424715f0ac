"""Server-rendered forms: a per-session form token against cross-site posts, and the API's errors turned
into messages next to the fields they concern (the same models and services as the API validate)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from backend.auth.deps import SESSION_COOKIE
from backend.auth.service import Principal, principal_for_token
from backend.common.enums import Role
from backend.errors import DomainError, NotAuthenticated, validation_message
from backend.web.router import TEMPLATES

FORM_TOKEN_FIELD = "form_token"
PAGE_SIZE = 50


def cookie_principal(request: Request, session: Session) -> Principal | None:
    """Who the session cookie belongs to (None: not logged in). The API's CSRF header rule is not asked:
    every form these pages post carries the session's form token, checked before anything changes."""
    try:
        return principal_for_token(session, token=request.cookies.get(SESSION_COOKIE, ""))
    except NotAuthenticated:
        return None


PAGES_FOR = {Role.admin: "administratorer", Role.coordinator: "fagkoordinatorer"}


def signed_in_as(request: Request, session: Session, role: Role) -> Principal | Response:
    """The login behind the session cookie when it has `role`; else the login page or a 403 naming nothing."""
    principal = cookie_principal(request, session)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role != role:
        return HTMLResponse(f"<h1>Ingen tilgang</h1><p>Sidene er for {PAGES_FOR[role]}.</p>", status_code=403)
    return principal


async def posted_as(request: Request, session: Session, role: Role) -> tuple[Principal, Any] | Response:
    """A posted form: the login with `role` and the form with this session's token; else what to answer."""
    principal = signed_in_as(request, session, role)
    if isinstance(principal, Response):
        return principal
    form = await checked_form(request)
    return expired_form() if form is None else (principal, form)


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A page with this session's form token for the forms on it."""
    return TEMPLATES.TemplateResponse(
        request, template, {"form_token": form_token(request), **context}, status_code=status_code
    )


def form_token(request: Request) -> str:
    """Derived from the session cookie: a page from another site cannot know it (and the Strict session
    cookie already stays home); a new session, a new token."""
    session_token = request.cookies.get(SESSION_COOKIE, "")
    return hmac.new(session_token.encode(), b"hjemmerute-form", hashlib.sha256).hexdigest()[:32]


def form_token_ok(request: Request, sent: str) -> bool:
    return bool(request.cookies.get(SESSION_COOKIE)) and hmac.compare_digest(form_token(request), sent)


def expired_form() -> HTMLResponse:
    return HTMLResponse(
        "<h1>Skjemaet er utløpt</h1><p>Last siden på nytt og prøv igjen.</p>", status_code=403
    )


async def checked_form(request: Request) -> Any:
    """The posted form when it carries this session's form token (None: expired or from another site)."""
    form = await request.form()
    return form if form_token_ok(request, str(form.get(FORM_TOKEN_FIELD, ""))) else None


def field_errors(exc: ValidationError | DomainError) -> dict[str, str]:
    """Field → message in Norwegian («_» for what concerns the whole form; nested fields dotted:
    next_of_kin.0.phone)."""
    if isinstance(exc, DomainError):
        return {exc.field or "_": exc.message}
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = ".".join(str(part) for part in err["loc"]) if err.get("loc") else "_"
        errors.setdefault(field, validation_message(err.get("msg", "ugyldig verdi")))
    return errors


def page_links(offset: int, total: int, size: int = PAGE_SIZE) -> dict[str, Any]:
    """Previous/next offsets and «41-90 av 1 204» for a paged list."""
    return {
        "offset": offset,
        "total": total,
        "first": min(total, offset + 1),
        "last": min(total, offset + size),
        "previous": max(0, offset - size) if offset > 0 else None,
        "next": offset + size if offset + size < total else None,
    }
