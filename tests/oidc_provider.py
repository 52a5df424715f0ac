"""A small, real OpenID Connect provider for the sign-on tests, served over HTTP on 127.0.0.1: discovery,
a login form, the authorization code flow with PKCE (S256), client authentication, RS256-signed ID
tokens with nonce, a JWKS and userinfo. Users and their claims (groups, employee number) are set by the
test, as IT would set them in Entra ID. It can be told to sign with a key it does not publish, to prove the
app checks the signature."""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.local_server import free_port, serving

CLIENT_ID, CLIENT_SECRET = "hjemmerute-test", "klienthemmelighet-for-test"


@dataclass
class Person:
    password: str
    claims: dict[str, Any]


@dataclass
class ProviderState:
    issuer: str
    people: dict[str, Person] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access: dict[str, dict[str, Any]] = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "published"}))
    rogue_key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "published"})
    )
    sign_with_rogue_key: bool = False


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _client_ok(request: Request, form: dict[str, Any]) -> bool:
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    return client_id == CLIENT_ID and secrets.compare_digest(secret, CLIENT_SECRET)


def provider_app(state: ProviderState) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {
            "issuer": state.issuer,
            "authorization_endpoint": f"{state.issuer}/authorize",
            "token_endpoint": f"{state.issuer}/token",
            "jwks_uri": f"{state.issuer}/jwks",
            "userinfo_endpoint": f"{state.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return KeySet([state.key]).as_dict(private=False)

    @app.get("/authorize", response_class=HTMLResponse)
    def login_page(request: Request) -> Response:
        query = request.query_params
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return HTMLResponse("unknown client or response type", status_code=400)
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        return HTMLResponse(
            f'<form method="post" action="/authorize">{hidden}<input name="username"><input name="password">'
            "<button>Logg inn</button></form>"
        )

    @app.post("/authorize")
    async def login(request: Request) -> Response:
        form = dict((await request.form()).items())
        person = state.people.get(str(form.get("username", "")))
        if person is None or person.password != form.get("password"):
            return HTMLResponse("wrong username or password", status_code=401)
        if form.get("code_challenge_method") != "S256" or not form.get("code_challenge"):
            return HTMLResponse("PKCE S256 required", status_code=400)
        code = secrets.token_urlsafe(16)
        state.codes[code] = {**form, "claims": person.claims, "issued": time.time()}
        target = f"{form['redirect_uri']}?{urlencode({'code': code, 'state': form.get('state', '')})}"
        return RedirectResponse(target, status_code=302)

    @app.post("/token")
    async def token(request: Request) -> Response:
        form = dict((await request.form()).items())
        if not _client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = state.codes.pop(str(form.get("code", "")), None)  # a code works once
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant["redirect_uri"]
            or _s256(str(form.get("code_verifier", ""))) != grant["code_challenge"]
            or time.time() - grant["issued"] > 60
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": state.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.get("nonce"),
            **grant["claims"],
        }
        key = state.rogue_key if state.sign_with_rogue_key else state.key
        id_token = jwt.encode({"alg": "RS256", "kid": "published"}, claims, key)
        access_token = secrets.token_urlsafe(16)
        state.access[access_token] = grant["claims"]
        return JSONResponse(
            {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        )

    @app.get("/userinfo")
    def userinfo(request: Request) -> Response:
        claims = state.access.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        return JSONResponse(claims) if claims else JSONResponse({"error": "invalid_token"}, status_code=401)

    return app


@contextmanager
def running_provider() -> Iterator[ProviderState]:
    port = free_port()
    state = ProviderState(issuer=f"http://127.0.0.1:{port}")
    with serving(provider_app(state), port=port):
        yield state
