"""Serves the carers' installable web app (mobile_pwa/) at /app, with headers that keep it updatable."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

MOBILE_PWA_DIR = Path(__file__).resolve().parents[2] / "mobile_pwa"
NO_CACHE = ("sw.js", "index.html", "manifest.webmanifest")

mimetypes.add_type("application/manifest+json", ".webmanifest")


class PwaFiles(StaticFiles):
    """The service worker and the page must never be served stale by the HTTP cache, or a tablet could
    keep an old app forever; the rest is cached by the service worker's versioned cache anyway."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if Path(full_path).name in NO_CACHE:
            response.headers["Cache-Control"] = "no-cache"
        if Path(full_path).name == "sw.js":
            response.headers["Service-Worker-Allowed"] = "/app/"
        return response


def pwa_files() -> StaticFiles:
    return PwaFiles(directory=MOBILE_PWA_DIR, html=True)
