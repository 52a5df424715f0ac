"""Server-rendered forms: a per-session form token against cross-site posts, and the API's errors turned
into messages next to the fields they concern (the same models and services as the API validate)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlmodel import Session

from backend.auth.deps import SESSION_COOKIE
from backend.auth.service import Principal, principal_for_token
from backend.errors import DomainError, NotAuthenticated

FORM_TOKEN_FIELD = "form_token"
PAGE_SIZE = 50


def cookie_principal(request: Request, session: Session) -> Principal | None:
    """Who the session cookie belongs to (None: not logged in). The API's CSRF header rule is not asked:
    every form these pages post carries the session's form token, checked before anything changes."""
    try:
        return principal_for_token(session, token=request.cookies.get(SESSION_COOKIE, ""))
    except NotAuthenticated:
        return None


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
        errors.setdefault(field, str(err.get("msg", "ugyldig verdi")).removeprefix("Value error, "))
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
