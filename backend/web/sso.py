"""Sign-on through the municipality's identity provider: OpenID Connect authorization code flow with PKCE,
by Authlib (discovery, state, nonce, ID-token signature and claims checked by the library).

The state lives in a short-lived, signed, SameSite=Lax cookie (the provider's redirect back is a
cross-site navigation, which a Strict cookie would not survive); the login itself ends as the password
login does, with the session cookie. The page after the callback moves on by a same-site refresh, so the
Strict session cookie is sent with the next request.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from joserfc.errors import JoseError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from backend.admin.sso import signed_on_user
from backend.auth.deps import SESSION_COOKIE
from backend.auth.service import issue_token
from backend.errors import Forbidden, NotFound
from backend.settings import Settings
from backend.web.router import TEMPLATES, login_form

router = APIRouter(include_in_schema=False)
STATE_COOKIE = "hjemmerute_sso"


def install_sign_on(app: FastAPI, settings: Settings) -> None:
    """Register the provider (metadata fetched on first use) and the state cookie, when sign-on is set up."""
    app.state.oidc = None
    if not settings.oidc_enabled:
        return
    if not settings.session_secret:
        raise ValueError(
            "HJEMMERUTE_SESSION_SECRET must be set when single sign-on is on (the same value on every API "
            "process), so the sign-on state survives a request served by another process."
        )
    oauth = OAuth()
    app.state.oidc = oauth.register(
        "kommune",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie=STATE_COOKIE,
        max_age=600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )


def _client(request: Request) -> Any:
    client = request.app.state.oidc
    if client is None:
        raise NotFound("Innlogging med kommunens konto er ikke satt opp her.")
    return client


@router.get("/login/sso")
async def sign_on_start(request: Request) -> Response:
    """To the provider's login, with state, nonce and a PKCE challenge remembered in the state cookie."""
    return await _client(request).authorize_redirect(request, str(request.url_for("sign_on_callback")))  # type: ignore[no-any-return]


def _sign_on(request: Request, claims: dict[str, Any]) -> str:
    settings: Settings = request.app.state.settings
    with Session(request.app.state.engine) as session:
        user = signed_on_user(session, claims=claims, settings=settings)
        token, _ = issue_token(session, user=user, ttl_hours=settings.token_ttl_hours)
    return token


@router.get("/login/sso/callback", name="sign_on_callback")
async def sign_on_callback(request: Request) -> Response:
    """Back from the provider: the code exchanged for verified ID-token claims, the login made or brought in
    line with the groups, the session cookie set."""
    client = _client(request)
    try:
        token = await client.authorize_access_token(request)
    except (OAuthError, JoseError) as exc:  # a refused grant, a bad signature or claim
        reason = getattr(exc, "description", None) or getattr(exc, "error", None) or type(exc).__name__
        return login_form(
            request, f"Innloggingen hos kommunen ble ikke fullført ({reason}). Prøv igjen.", 400
        )
    claims = dict(token.get("userinfo") or {})
    try:
        session_token = await run_in_threadpool(_sign_on, request, claims)
    except Forbidden as exc:
        return login_form(request, exc.message, exc.status_code)
    settings: Settings = request.app.state.settings
    response = TEMPLATES.TemplateResponse(request, "signed_on.html", {})
    response.set_cookie(
        SESSION_COOKIE,
        session_token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=settings.token_ttl_hours * 3600,
    )
    return response
