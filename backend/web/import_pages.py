"""The coordinator's import page (/konsoll/import): upload ansatte.csv, brukere.csv (+ vedtak.csv) or
turnus.csv; the same all-or-nothing imports as the API and the command line, every rejected line listed
with its file, line, column and reason."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from backend.common.enums import Role
from backend.db import SessionDep
from backend.errors import DomainError
from backend.imports.service import import_recipients, import_rota, import_staff
from backend.web.forms import posted_as, render, signed_in_as

router = APIRouter(prefix="/konsoll/import", include_in_schema=False)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
KINDS = {"staff": "Ansatte", "recipients": "Brukere og vedtak", "rota": "Turnus"}
COUNTED = {"carers": "ansatte", "recipients": "brukere", "decisions": "vedtak", "shifts": "vakter"}


def _render(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, "console_import.html", {"kinds": KINDS, **context}, status_code)


async def _content(form: Any, name: str, label: str) -> bytes | None:
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(f"{label} er større enn 10 MB.")
    return content


@router.get("", response_class=HTMLResponse)
def import_page(request: Request, session: SessionDep) -> Response:
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    return _render(request, {"principal": principal, "result": None, "errors": [], "message": ""})


@router.post("/{kind}", response_class=HTMLResponse)
async def run_import(kind: str, request: Request, session: SessionDep) -> Response:
    posted = await posted_as(request, session, Role.coordinator)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    if kind not in KINDS:
        return HTMLResponse("<h1>Finnes ikke</h1>", status_code=404)
    try:
        first = await _content(form, "file", "Filen")
        if first is None:
            raise DomainError("Velg en CSV-fil å importere.")
        if kind == "staff":
            report = import_staff(session, principal=principal, staff_csv=first)
        elif kind == "rota":
            report = import_rota(session, principal=principal, rota_csv=first)
        else:
            decisions = await _content(form, "decisions", "vedtak.csv")
            report = import_recipients(
                session, principal=principal, recipients_csv=first, decisions_csv=decisions
            )
    except DomainError as exc:
        session.rollback()
        context = {
            "principal": principal,
            "result": None,
            "errors": exc.errors,
            "message": exc.message,
            "kind": kind,
        }
        return _render(request, context, 422)
    done = ", ".join(f"{n} {COUNTED.get(what, what)}" for what, n in report.created.items())
    return _render(
        request,
        {"principal": principal, "result": f"{KINDS[kind]}: importert {done}.", "errors": [], "message": ""},
    )
