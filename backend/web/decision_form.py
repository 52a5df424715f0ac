"""A new vedtak from the recipient's page: the form's fields into the API's DecisionCreate (same rules), up to
three visits with their tasks («navn:minutter[:kompetanse]|…», as in vedtak.csv) and one link between two
of them (lunsj → middag at least 180 minutes apart)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from backend.decisions.models import DecisionCreate
from backend.imports.csv_format import parse_tasks

VISIT_ROWS = 3
WEEKDAYS = [(1, "man"), (2, "tir"), (3, "ons"), (4, "tor"), (5, "fre"), (6, "lør"), (7, "søn")]


class DecisionFormError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("vedtaket har feil")
        self.errors = errors


def _visit(form: Any, i: int, errors: dict[str, str]) -> dict[str, Any] | None:
    label = str(form.get(f"visit{i}_label", "")).strip()
    if not label:
        return None
    try:
        tasks = parse_tasks(str(form.get(f"visit{i}_tasks", "")))
    except ValueError as exc:
        errors[f"visit{i}"] = str(exc)
        tasks = []
    return {
        "label": label,
        "window_start": str(form.get(f"visit{i}_start", "")),
        "window_end": str(form.get(f"visit{i}_end", "")),
        "window_hard": form.get(f"visit{i}_hard") == "on",
        "double_staffed": form.get(f"visit{i}_double") == "on",
        "tasks": tasks,
    }


def _error_key(loc: tuple[Any, ...], visit_rows: list[int]) -> str:
    if loc and loc[0] == "visits" and len(loc) > 1 and isinstance(loc[1], int):
        return f"visit{visit_rows[loc[1]]}"
    if loc and loc[0] == "links":
        return "link"
    return str(loc[0]) if loc else "decision"


def decision_from_form(form: Any, recipient_id: int) -> DecisionCreate:
    """The vedtak the form describes, or DecisionFormError with each message under its row or field."""
    errors: dict[str, str] = {}
    rows = [(i, v) for i in range(VISIT_ROWS) if (v := _visit(form, i, errors)) is not None]
    link_from, link_to = str(form.get("link_from", "")).strip(), str(form.get("link_to", "")).strip()
    links = []
    if link_from or link_to:
        links.append(
            {
                "from_label": link_from,
                "to_label": link_to,
                "min_gap_minutes": str(form.get("link_min", "") or 0),
                "max_gap_minutes": str(form.get("link_max", "")) or None,
            }
        )
    payload = {
        "recipient_id": recipient_id,
        "reference": str(form.get("reference", "")).strip() or None,
        "service_type": str(form.get("service_type", "home_nursing")),
        "valid_from": str(form.get("valid_from", "")),
        "valid_to": str(form.get("valid_to", "")) or None,
        "weekdays": [int(d) for d in form.getlist("weekdays") if str(d).isdigit()],
        "interval_weeks": str(form.get("interval_weeks", "1") or 1),
        "visits": [v for _, v in rows],
        "links": links,
    }
    try:
        data = DecisionCreate.model_validate(payload)
    except ValidationError as exc:
        for err in exc.errors():
            message = str(err.get("msg", "ugyldig verdi")).removeprefix("Value error, ")
            key = _error_key(tuple(err.get("loc", ())), [i for i, _ in rows])
            if key == "decision" and message.startswith("kobling"):  # the vedtak's own rule about its link
                key = "link"
            errors.setdefault(key, message)
        raise DecisionFormError(errors) from exc
    if errors:
        raise DecisionFormError(errors)
    return data
