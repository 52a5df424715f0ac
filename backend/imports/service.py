"""All-or-nothing CSV import of recipients + vedtak and of rota, errors listed per line.

Every row is validated with the same models the API uses (RecipientCreate, DecisionCreate,
RotaEntryCreate), so the CSV path cannot accept what the API would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import ValidationError
from sqlmodel import Session, select

from backend.auth.service import Principal
from backend.carers.models import Carer, CarerCreate
from backend.carers.service import create_carer
from backend.common.enums import ServiceType, ShiftKind, TravelMode, VisitPriority
from backend.decisions.models import DecisionCreate
from backend.decisions.service import create_decision
from backend.errors import DomainError, InvalidInput, validation_message
from backend.imports.csv_format import (
    CsvFormatError,
    CsvRow,
    parse_bool,
    parse_tasks,
    parse_weekdays,
    read_rows,
)
from backend.recipients.models import Recipient, RecipientCreate
from backend.recipients.service import create_recipient
from backend.rota.models import RotaEntryCreate
from backend.rota.service import add_rota_entry
from backend.teams.models import Team

RECIPIENT_COLUMNS = ["external_id", "name", "address", "lat", "lon", "team"]
DECISION_COLUMNS = [
    "reference",
    "recipient_external_id",
    "valid_from",
    "weekdays",
    "visit",
    "window_start",
    "window_end",
    "tasks",
]
ROTA_COLUMNS = ["employee_id", "date", "shift", "start", "end"]
STAFF_COLUMNS = ["employee_id", "name", "team"]
_TRANSPORT_ALIASES = {
    "": TravelMode.car,
    "bil": TravelMode.car,
    "car": TravelMode.car,
    "gange": TravelMode.walk,
    "gå": TravelMode.walk,
    "til fots": TravelMode.walk,
    "walk": TravelMode.walk,
    "sykkel": TravelMode.bike,
    "bike": TravelMode.bike,
}
_SHIFT_ALIASES = {"dag": ShiftKind.day, "kveld": ShiftKind.evening, "natt": ShiftKind.night}
_SERVICE_ALIASES = {
    "hjemmesykepleie": ServiceType.home_nursing,
    "praktisk bistand": ServiceType.practical_help,
    "praktisk_bistand": ServiceType.practical_help,
}
_PRIORITY_ALIASES = {
    "": VisitPriority.normal,
    "normal": VisitPriority.normal,
    "dagsenter": VisitPriority.day_centre,
}


T = TypeVar("T")
MAX_LISTED_ERRORS = 200  # a 9 MB bad file once answered with 39.7 MB of errors


@dataclass
class ImportReport:
    errors: list[dict[str, object]] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    error_count: int = 0

    def add(self, file_label: str, line: int, message: str, column: str | None = None) -> None:
        """Count every error, list the first MAX_LISTED_ERRORS (enough to mend a file, small to send)."""
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append({"file": file_label, "line": line, "field": column, "message": message})

    def add_validation(self, file_label: str, line: int, exc: ValidationError) -> None:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()))
            message = validation_message(err.get("msg", "ugyldig verdi"))
            self.add(file_label, line, message, loc or None)

    def raise_if_errors(self) -> None:
        if self.errors:
            first = self.errors[0]
            listed = (
                "" if self.error_count == len(self.errors) else f", de {len(self.errors)} første er listet"
            )
            raise InvalidInput(
                f"Importen ble avvist ({self.error_count} feil{listed}, ingenting er lagret). Første feil: "
                f"{first['file']} linje {first['line']}: {first['message']}",
                errors=self.errors,
            )


def _rows(report: ImportReport, content: bytes, label: str, required: list[str]) -> list[CsvRow]:
    try:
        return list(read_rows(content, file_label=label, required=required))
    except CsvFormatError as exc:
        report.add(label, 0, str(exc))
        return []


def _optional(row: CsvRow, key: str) -> str | None:
    return row.get(key) or None


def _recipient_payload(row: CsvRow, teams: dict[str, Team]) -> dict[str, object]:
    team = teams.get(row.get("team").lower())
    if team is None:
        raise ValueError(f"ukjent team «{row.get('team')}»")
    kin = []
    if row.get("next_of_kin_name"):
        kin.append(
            {
                "name": row.get("next_of_kin_name"),
                "relation": _optional(row, "next_of_kin_relation"),
                "phone": row.get("next_of_kin_phone"),
                "notice_consent": parse_bool(row.get("next_of_kin_consent")),
            }
        )
    return {
        "external_id": row.get("external_id"),
        "name": row.get("name"),
        "address": row.get("address"),
        "lat": row.get("lat").replace(",", "."),
        "lon": row.get("lon").replace(",", "."),
        "phone": _optional(row, "phone"),
        "notice_consent": parse_bool(row.get("notice_consent")),
        "language": row.get("language") or "nb",
        "access_notes": row.get("access_notes"),
        "team_id": team.id,
        "next_of_kin": kin,
    }


def _decision_visit(row: CsvRow) -> dict[str, object]:
    priority = _PRIORITY_ALIASES.get(row.get("priority").lower())
    if priority is None:
        raise ValueError(f"ukjent prioritet «{row.get('priority')}» (normal eller dagsenter)")
    return {
        "label": row.get("visit"),
        "window_start": row.get("window_start"),
        "window_end": row.get("window_end"),
        "window_hard": parse_bool(row.get("hard")),
        "double_staffed": parse_bool(row.get("double_staffed")),
        "priority": priority,
        "latest_start": _optional(row, "latest_start"),
        "tasks": parse_tasks(row.get("tasks")),
    }


def import_recipients(
    session: Session, *, principal: Principal, recipients_csv: bytes, decisions_csv: bytes | None
) -> ImportReport:
    """Recipients (with one next of kin each) and their vedtak, in one transaction or not at all."""
    report = ImportReport()
    teams = {t.name.lower(): t for t in session.exec(select(Team)) if t.id in principal.team_ids}
    recipients: list[tuple[int, RecipientCreate]] = []
    seen_ids: dict[str, int] = {}
    label = "brukere.csv"
    for row in _rows(report, recipients_csv, label, RECIPIENT_COLUMNS):
        ext = row.get("external_id")
        if not ext:
            report.add(label, row.line, "brukernummer (external_id) mangler", "external_id")
            continue
        if ext in seen_ids:
            report.add(
                label, row.line, f"brukernummer «{ext}» står også på linje {seen_ids[ext]}", "external_id"
            )
            continue
        seen_ids[ext] = row.line
        try:
            recipients.append((row.line, RecipientCreate.model_validate(_recipient_payload(row, teams))))
        except ValidationError as exc:
            report.add_validation(label, row.line, exc)
        except ValueError as exc:
            report.add(label, row.line, str(exc))

    decisions: list[tuple[int, str, dict[str, object]]] = []
    if decisions_csv is not None:
        decisions = _parse_decisions(report, decisions_csv)
    report.raise_if_errors()

    by_external: dict[str, int] = {}
    try:
        for line, data in recipients:
            try:
                recipient = create_recipient(session, principal=principal, data=data, commit=False)
            except DomainError as exc:
                report.add(label, line, exc.message, exc.field)
                continue
            assert recipient.id is not None and data.external_id
            by_external[data.external_id] = recipient.id
        for line, ext, payload in decisions:
            recipient_id = by_external.get(ext) or _existing_recipient(session, ext)
            if recipient_id is None:
                report.add("vedtak.csv", line, f"ukjent bruker «{ext}»", "recipient_external_id")
                continue
            try:
                data_d = DecisionCreate.model_validate({**payload, "recipient_id": recipient_id})
                create_decision(session, principal=principal, data=data_d, commit=False)
            except ValidationError as exc:
                report.add_validation("vedtak.csv", line, exc)
            except DomainError as exc:
                report.add("vedtak.csv", line, exc.message, exc.field)
        report.raise_if_errors()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    report.created = {"recipients": len(recipients), "decisions": len(decisions)}
    return report


def _existing_recipient(session: Session, external_id: str) -> int | None:
    row = session.exec(select(Recipient).where(Recipient.external_id == external_id)).first()
    return None if row is None else row.id


def _parse_decisions(report: ImportReport, content: bytes) -> list[tuple[int, str, dict[str, object]]]:
    """Group visit rows by vedtak reference; decision-level columns must agree within a group."""
    label = "vedtak.csv"
    groups: dict[str, tuple[int, str, dict[str, object]]] = {}
    pending_links: list[tuple[CsvRow, str]] = []
    for row in _rows(report, content, label, DECISION_COLUMNS):
        ref = row.get("reference")
        if not ref:
            report.add(label, row.line, "vedtaksnummer (reference) mangler", "reference")
            continue
        try:
            service_type = _SERVICE_ALIASES.get(row.get("service_type").lower() or "hjemmesykepleie")
            if service_type is None:
                raise ValueError(f"ukjent tjeneste «{row.get('service_type')}»")
            head = {
                "reference": ref,
                "service_type": service_type,
                "valid_from": row.get("valid_from"),
                "valid_to": _optional(row, "valid_to"),
                "weekdays": parse_weekdays(row.get("weekdays")),
                "interval_weeks": int(row.get("interval_weeks") or 1),
            }
            visit = _decision_visit(row)
        except ValueError as exc:
            report.add(label, row.line, str(exc))
            continue
        ext = row.get("recipient_external_id")
        if ref not in groups:
            groups[ref] = (row.line, ext, {**head, "visits": [], "links": []})
        first_line, first_ext, payload = groups[ref]
        differing = [k for k, v in head.items() if payload[k] != v]
        if ext != first_ext:
            differing.append("recipient_external_id")
        if differing:
            report.add(
                label,
                row.line,
                f"vedtak «{ref}» har andre verdier enn på linje {first_line}: {', '.join(differing)}",
            )
            continue
        visits = payload["visits"]
        assert isinstance(visits, list)
        visits.append(visit)
        if row.get("after_visit"):
            pending_links.append((row, ref))
    for row, ref in pending_links:
        try:
            links = groups[ref][2]["links"]
            assert isinstance(links, list)
            links.append(
                {
                    "from_label": row.get("after_visit"),
                    "to_label": row.get("visit"),
                    "min_gap_minutes": int(row.get("min_gap_minutes") or 0),
                    "max_gap_minutes": int(row.get("max_gap_minutes"))
                    if row.get("max_gap_minutes")
                    else None,
                }
            )
        except ValueError as exc:
            report.add(label, row.line, f"kobling: {exc}")
    # Validate each group now so errors carry the line of the vedtak's first row.
    result = []
    for ref, (line, ext, payload) in groups.items():
        try:
            DecisionCreate.model_validate({**payload, "recipient_id": 1})
        except ValidationError as exc:
            report.add_validation(label, line, exc)
            continue
        result.append((line, ext, payload))
        del ref
    return result


def import_rota(session: Session, *, principal: Principal, rota_csv: bytes) -> ImportReport:
    """Shifts by employee number; all rows or none."""
    report = ImportReport()
    label = "turnus.csv"
    carers = {c.external_id: c for c in session.exec(select(Carer)) if c.external_id}
    entries: list[tuple[int, RotaEntryCreate]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row in _rows(report, rota_csv, label, ROTA_COLUMNS):
        carer = carers.get(row.get("employee_id"))
        if carer is None:
            report.add(label, row.line, f"ukjent ansattnummer «{row.get('employee_id')}»", "employee_id")
            continue
        if carer.team_id not in principal.team_ids:
            report.add(
                label, row.line, f"ansatt «{row.get('employee_id')}» hører ikke til dine team", "employee_id"
            )
            continue
        shift_text = row.get("shift").lower()
        shift = _SHIFT_ALIASES.get(shift_text, shift_text)
        key = (row.get("employee_id"), row.get("date"), str(shift))
        if key in seen:
            report.add(label, row.line, f"samme vakt står også på linje {seen[key]}")
            continue
        seen[key] = row.line
        try:
            entries.append(
                (
                    row.line,
                    RotaEntryCreate.model_validate(
                        {
                            "carer_id": carer.id,
                            "date": row.get("date"),
                            "shift_kind": shift,
                            "start": row.get("start"),
                            "end": row.get("end"),
                            "break_earliest": _optional(row, "break_earliest"),
                            "break_latest": _optional(row, "break_latest"),
                            "break_minutes": row.get("break_minutes") or 0,
                        }
                    ),
                )
            )
        except ValidationError as exc:
            report.add_validation(label, row.line, exc)
    _write_all(
        session,
        report,
        label,
        entries,
        lambda data: add_rota_entry(session, principal=principal, data=data, commit=False),
    )
    report.created = {"shifts": len(entries)}
    return report


def _write_all(
    session: Session,
    report: ImportReport,
    label: str,
    entries: list[tuple[int, T]],
    write: Callable[[T], object],
) -> None:
    """Every validated row written in one transaction, or none: a rule the database side finds (a duplicate,
    a team out of reach) is listed by line like the file's own errors, and nothing is kept."""
    report.raise_if_errors()
    try:
        for line, data in entries:
            try:
                write(data)
            except DomainError as exc:
                report.add(label, line, exc.message, exc.field)
        report.raise_if_errors()
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _staff_payload(row: CsvRow, teams: dict[str, Team]) -> dict[str, object]:
    team = teams.get(row.get("team").lower())
    if team is None:
        raise ValueError(f"ukjent team «{row.get('team')}» (eller ikke ditt)")
    transport = _TRANSPORT_ALIASES.get(row.get("transport").lower())
    if transport is None:
        raise ValueError(f"reisemåte «{row.get('transport')}» er ikke bil, gange eller sykkel")
    competences = [c.strip().lower() for c in re.split(r"[|,]", row.get("competences")) if c.strip()]
    return {
        "external_id": row.get("employee_id"),
        "name": row.get("name"),
        "team_id": team.id,
        "competences": competences,
        "transport_mode": transport,
        "employment_pct": row.get("employment_pct") or 100,
        "phone": _optional(row, "phone"),
    }


def import_staff(session: Session, *, principal: Principal, staff_csv: bytes) -> ImportReport:
    """Carers (ansatte.csv) by employee number, before the rota that names them; all rows or none."""
    report = ImportReport()
    label = "ansatte.csv"
    teams = {t.name.lower(): t for t in session.exec(select(Team)) if t.id in principal.team_ids}
    known = {c.external_id for c in session.exec(select(Carer)) if c.external_id}
    entries: list[tuple[int, CarerCreate]] = []
    seen: dict[str, int] = {}
    for row in _rows(report, staff_csv, label, STAFF_COLUMNS):
        number = row.get("employee_id")
        if not number:
            report.add(label, row.line, "ansattnummer (employee_id) mangler", "employee_id")
            continue
        if number in seen or number in known:
            where = f"står også på linje {seen[number]}" if number in seen else "finnes allerede"
            report.add(label, row.line, f"ansattnummer «{number}» {where}", "employee_id")
            continue
        seen[number] = row.line
        try:
            entries.append((row.line, CarerCreate.model_validate(_staff_payload(row, teams))))
        except ValidationError as exc:
            report.add_validation(label, row.line, exc)
        except ValueError as exc:
            report.add(label, row.line, str(exc))
    _write_all(
        session,
        report,
        label,
        entries,
        lambda data: create_carer(session, principal=principal, data=data, commit=False),
    )
    report.created = {"carers": len(entries)}
    return report
