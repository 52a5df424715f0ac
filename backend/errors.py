"""Domain errors and the one place that maps them to HTTP answers a coordinator understands."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of all errors whose message is meant for the person using the product."""

    status_code = 400

    def __init__(
        self, message: str, *, field: str | None = None, errors: list[dict[str, object]] | None = None
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or []


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class NotAuthenticated(DomainError):
    status_code = 401


class Conflict(DomainError):
    status_code = 409


class InvalidInput(DomainError):
    status_code = 422


class TooManyRequests(DomainError):
    """Refused for now: the caller must wait `retry_after` seconds (login back-off)."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _body(exc: DomainError) -> dict[str, object]:
    body: dict[str, object] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    if exc.errors:
        body["errors"] = exc.errors
    return body


def _readable_location(loc: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "forespørselen"


BUSY_MARKERS = (
    "database is locked",
    "database table is locked",
    "lock timeout",
    "deadlock detected",
    "could not obtain lock",
)


UNREACHABLE_MARKERS = (
    "connection refused",
    "could not connect",
    "connection failed",
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "the database system is starting up",
    "the database system is shutting down",
    "timeout expired",
)


def is_unreachable(exc: OperationalError | InterfaceError) -> bool:
    """The database server is gone for the moment (stopped, restarting, failing over): a wait, like busy."""
    return any(marker in str(exc.orig).lower() for marker in UNREACHABLE_MARKERS)


def is_busy(exc: OperationalError) -> bool:
    """The database is taken by another writer (SQLite busy, a PostgreSQL lock wait or deadlock): the request
    may succeed a moment later, unlike any other operational error."""
    return any(marker in str(exc.orig).lower() for marker in BUSY_MARKERS)


def validation_message(message: object) -> str:
    """A pydantic error message as a coordinator reads it: without pydantic's «Value error, » prefix on the
    messages our own validators raise."""
    return str(message).removeprefix("Value error, ")


def install_error_handlers(app: FastAPI) -> None:
    """Bad input is a 4xx with a message naming the field; never a 500."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(_body(exc), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": _readable_location(e.get("loc", ())),
                "message": validation_message(e.get("msg", "ugyldig verdi")),
            }
            for e in exc.errors()
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return JSONResponse({"detail": f"Ugyldige data – {summary}", "errors": errors}, status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error: %s", exc.orig)
        return JSONResponse(
            {"detail": "Endringen bryter med data som allerede finnes (duplikat eller ukjent referanse)."},
            status_code=409,
        )

    @app.exception_handler(OperationalError)
    async def _operational(_request: Request, exc: OperationalError) -> JSONResponse:
        """A database busy with a long write (an import, a big re-plan) is a wait, not a failure: 503 with
        Retry-After, which the tablet's offline queue retries. Anything else is logged as the 500 it is."""
        if is_busy(exc):
            log.warning("database busy: %s", exc.orig)
            return JSONResponse(
                {
                    "detail": "Databasen er opptatt akkurat nå (en stor import eller planlegging). Prøv igjen om litt."
                },
                status_code=503,
                headers={"Retry-After": "5"},
            )
        if is_unreachable(exc):
            log.error("database unreachable: %s", exc.orig)
            return JSONResponse(
                {"detail": "Databasen svarer ikke akkurat nå. Prøv igjen om litt; driften er varslet."},
                status_code=503,
                headers={"Retry-After": "10"},
            )
        log.error("database error: %s", exc.orig)
        return JSONResponse({"detail": "Intern feil i databasen; feilen er logget."}, status_code=500)

    @app.exception_handler(InterfaceError)
    async def _interface(request: Request, exc: InterfaceError) -> JSONResponse:
        """A connection the server closed under us (psycopg's «connection is closed»): as unreachable."""
        return await _operational(request, exc)  # type: ignore[arg-type]

    @app.exception_handler(OverflowError)
    async def _overflow(_request: Request, exc: OverflowError) -> JSONResponse:
        """A number beyond what the database stores (an unbounded id slipped past validation)."""
        log.warning("overflow: %s", exc)
        return JSONResponse({"detail": "Et tall i forespørselen er for stort."}, status_code=422)

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        log.info("data error: %s", exc.orig)
        return JSONResponse({"detail": "En verdi har feil format eller er for stor."}, status_code=422)
