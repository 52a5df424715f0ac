"""Security headers on every response (Normen: personal health data in transit and in browser caches).

Pages may only be framed by the app itself (the console embeds its own map), browsers must not guess
content types or send the address on to other sites, API answers (personal data) are never cached, and
when cookies are marked secure (HTTPS in production) browsers are told to stay on HTTPS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

STRICT_TRANSPORT = "max-age=31536000; includeSubDomains"
# Scripts only from the app's own files (no inline handlers or script blocks in the templates), so an
# injected <script> or onerror= never runs. Styles may be inline (Leaflet positions its layers so).
STRICT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'self'; base-uri 'self'; object-src 'none'; form-action 'self'"
)
# The generated plan map (folium) and the API docs page start themselves with inline scripts.
INLINE_SCRIPT_POLICY = STRICT_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


def content_security_policy(path: str) -> str:
    """The policy for a page: strict everywhere but the few pages whose generator writes inline scripts."""
    if path in ("/docs", "/redoc") or (path.startswith("/konsoll/planer/") and path.endswith("/kart")):
        return INLINE_SCRIPT_POLICY
    return STRICT_POLICY


def install_security_headers(app: FastAPI, *, https: bool) -> None:
    @app.middleware("http")
    async def _security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Content-Security-Policy", content_security_policy(request.url.path))
        if request.url.path.startswith("/api/"):
            headers["Cache-Control"] = "no-store"
        if https:
            headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT)
        return response
