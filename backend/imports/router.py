from __future__ import annotations

from fastapi import APIRouter, File, UploadFile

from backend.auth.deps import CoordinatorDep
from backend.db import SessionDep
from backend.errors import InvalidInput
from backend.imports.service import import_recipients, import_rota, import_staff

router = APIRouter(prefix="/import", tags=["import"])
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _read(upload: UploadFile, label: str) -> bytes:
    content = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"{label} er større enn 10 MB.")
    return content


@router.post("/recipients", summary="Import recipients (+ vedtak) from CSV, all or nothing")
def import_recipients_csv(
    session: SessionDep,
    principal: CoordinatorDep,
    recipients: UploadFile = File(..., description="brukere.csv"),
    decisions: UploadFile | None = File(None, description="vedtak.csv"),
) -> dict[str, object]:
    recipients_csv = _read(recipients, "brukere.csv")
    decisions_csv = None if decisions is None else _read(decisions, "vedtak.csv")
    report = import_recipients(
        session, principal=principal, recipients_csv=recipients_csv, decisions_csv=decisions_csv
    )
    return {"created": report.created}


@router.post("/rota", summary="Import rota (turnus) from CSV, all or nothing")
def import_rota_csv(
    session: SessionDep, principal: CoordinatorDep, rota: UploadFile = File(..., description="turnus.csv")
) -> dict[str, object]:
    report = import_rota(session, principal=principal, rota_csv=_read(rota, "turnus.csv"))
    return {"created": report.created}


@router.post("/staff", summary="Import staff (ansatte) from CSV before their rota, all or nothing")
def import_staff_csv(
    session: SessionDep, principal: CoordinatorDep, staff: UploadFile = File(..., description="ansatte.csv")
) -> dict[str, object]:
    report = import_staff(session, principal=principal, staff_csv=_read(staff, "ansatte.csv"))
    return {"created": report.created}
