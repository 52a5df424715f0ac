"""The server-rendered pages in bokmål or nynorsk: every text a template shows goes through `_`, looked up in
the nynorsk catalogue when the reader chose nynorsk (a cookie set from the language switch in the header;
bokmål until one is chosen). Data (names, addresses) and the services' error messages are not
translated: they are the same in both (the messages are written in bokmål, as the API's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.routing import Match

from backend.web.nynorsk import NYNORSK

LANGUAGE_COOKIE = "hjemmerute_sprak"
LANGUAGES = {"nb": "Bokmål", "nn": "Nynorsk"}


def language_of(request: Request) -> str:
    """The reader's choice; bokmål when none was made or the cookie holds something else."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else "nb"


def translator(language: str) -> Callable[[str], str]:
    """`_` for a template: the text itself in bokmål, its nynorsk form (when catalogued) in nynorsk."""
    if language != "nn":
        return lambda text: text
    return lambda text: NYNORSK.get(catalogue_key(text), text)


def catalogue_key(text: str) -> str:
    """A template's text as the catalogue lists it: whitespace (line breaks in the template) made single."""
    return " ".join(text.split())


def i18n_context(request: Request) -> dict[str, Any]:
    """Given to every template: the page's language, its `_`, and where the language switch returns to."""
    language = language_of(request)
    return {"lang": language, "_": translator(language), "return_path": _return_path(request)}


def _return_path(request: Request) -> str:
    """This page again; for the answer to a posted form, the same path when it can be fetched, else the
    page above it (the import's answer at /konsoll/import/ansatte goes back to /konsoll/import)."""
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    path = request.url.path
    while path.count("/") > 1 and not _fetchable(request, path):
        path = path.rsplit("/", 1)[0]
    return path


def _fetchable(request: Request, path: str) -> bool:
    scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


def safe_return_path(path: str) -> str:
    """Where the language switch goes back to: a path on this site only (never «//other.example»)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 500:
        return "/"
    return path
