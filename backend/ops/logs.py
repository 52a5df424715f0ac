"""Structured JSON logs, one object per line, each with the request id that the response also carries
(X-Request-ID), so an error a coordinator reports can be found. Names and phone numbers never go in: the
code logs ids, and as a safety net anything shaped like a Norwegian phone number is masked."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from backend.common.redact import RedactSecrets

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_PHONE = re.compile(r"(?<!\d)(?:\+47[ ]?)?(?:\d[ ]?){8}(?!\d)")


def mask_phones(text: str) -> str:
    return _PHONE.sub("[telefon]", text)


class JsonFormatter(logging.Formatter):
    """time, level, logger, request_id, message (and the exception, when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": REQUEST_ID.get(),
            "message": mask_phones(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = mask_phones(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def install_request_ids(app: FastAPI) -> None:
    """Takes a well-formed X-Request-ID from the proxy or makes one, and returns it on the response."""

    @app.middleware("http")
    async def _request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        given = request.headers.get("x-request-id", "")
        request_id = given if _SANE_ID.match(given) else secrets.token_hex(8)
        token = REQUEST_ID.set(request_id)
        try:
            response = await call_next(request)
        finally:
            REQUEST_ID.reset(token)
        response.headers["X-Request-ID"] = request_id
        return response


def log_config(level: str = "INFO") -> dict[str, object]:
    """uvicorn's log_config: every logger (ours, uvicorn's access and error logs) as JSON on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "filters": {"redact": {"()": RedactSecrets}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {
                "handlers": ["stderr"],
                "level": level,
                "propagate": False,
                "filters": ["redact"],
            },
            # /readyz reads the schema revision on every call: alembic's context line would flood the log
            "alembic.runtime.migration": {"level": "WARNING"},
        },
    }
