"""A vedtak on the recipient's page: the form's fields into the API's DecisionCreate (same rules) and a stored
vedtak back into the form's fields (to change it from a date). Up to VISIT_ROWS visits with their tasks
(«navn:minutter[:kompetanse][:tidskritisk]|…», as in vedtak.csv), soft or fixed windows, latest acceptable start, double
staffing, a day-centre latest start, and LINK_ROWS links between them (lunsj → middag at least 180
minutes apart): as many as the API's model takes."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from backend.common.enums import VisitPriority
from backend.decisions.models import DecisionCreate, DecisionLink, DecisionVisit, ServiceDecision
from backend.errors import validation_message
from backend.imports.csv_format import parse_tasks, tasks_text


def _most(field: str) -> int:
    """The most items the API's model takes: the form offers as many, so no stored vedtak is cut short."""
    limits = (getattr(m, "max_length", None) for m in DecisionCreate.model_fields[field].metadata)
    return int(next(limit for limit in limits if limit is not None))


VISIT_ROWS = _most("visits")
VISIT_ROWS_SHOWN = 3  # the rest fold under «Flere besøk» until used
LINK_ROWS = _most("links")
LINK_ROWS_SHOWN = 2  # more rows appear as the vedtak has links
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
    day_centre = str(form.get(f"visit{i}_daycentre", "")).strip()
    return {
        "label": label,
        "window_start": str(form.get(f"visit{i}_start", "")),
        "window_end": str(form.get(f"visit{i}_end", "")),
        "window_hard": form.get(f"visit{i}_hard") == "on",
        "latest_acceptable": str(form.get(f"visit{i}_latest", "")).strip() or None,
        "double_staffed": form.get(f"visit{i}_double") == "on",
        "priority": VisitPriority.day_centre if day_centre else VisitPriority.normal,
        "latest_start": day_centre or None,
        "tasks": tasks,
    }


def _link(form: Any, j: int) -> dict[str, Any] | None:
    start, end = str(form.get(f"link{j}_from", "")).strip(), str(form.get(f"link{j}_to", "")).strip()
    if not (start or end):
        return None
    return {
        "from_label": start,
        "to_label": end,
        "min_gap_minutes": str(form.get(f"link{j}_min", "") or 0),
        "max_gap_minutes": str(form.get(f"link{j}_max", "")) or None,
    }


def _error_key(loc: tuple[Any, ...], visit_rows: list[int], link_rows: list[int]) -> str:
    if loc and loc[0] == "visits" and len(loc) > 1 and isinstance(loc[1], int):
        return f"visit{visit_rows[loc[1]]}"
    if loc and loc[0] == "links" and len(loc) > 1 and isinstance(loc[1], int):
        return f"link{link_rows[loc[1]]}"
    return str(loc[0]) if loc else "decision"


def decision_from_form(form: Any, recipient_id: int) -> DecisionCreate:
    """The vedtak the form describes, or DecisionFormError with each message under its row or field."""
    errors: dict[str, str] = {}
    rows = [(i, v) for i in range(VISIT_ROWS) if (v := _visit(form, i, errors)) is not None]
    links = [(j, link) for j in range(LINK_ROWS) if (link := _link(form, j)) is not None]
    payload = {
        "recipient_id": recipient_id,
        "reference": str(form.get("reference", "")).strip() or None,
        "service_type": str(form.get("service_type", "home_nursing")),
        "valid_from": str(form.get("valid_from", "")),
        "valid_to": str(form.get("valid_to", "")) or None,
        "weekdays": [int(d) for d in form.getlist("weekdays") if str(d).isdigit()],
        "interval_weeks": str(form.get("interval_weeks", "1") or 1),
        "visits": [v for _, v in rows],
        "links": [link for _, link in links],
    }
    try:
        data = DecisionCreate.model_validate(payload)
    except ValidationError as exc:
        for err in exc.errors():
            message = validation_message(err.get("msg", "ugyldig verdi"))
            key = _error_key(tuple(err.get("loc", ())), [i for i, _ in rows], [j for j, _ in links])
            if key == "decision" and message.startswith("kobling"):  # the vedtak's own rule about its links
                key = f"link{links[0][0]}" if len(links) == 1 else "links"
            errors.setdefault(key, message)
        raise DecisionFormError(errors) from exc
    if errors:
        raise DecisionFormError(errors)
    return data


def _clock(value: Any) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def form_values(
    decision: ServiceDecision, visits: list[DecisionVisit], links: list[DecisionLink]
) -> dict[str, Any]:
    """A stored vedtak as the form's fields, so a change from a date starts from what is agreed today."""
    values: dict[str, Any] = {
        "service_type": decision.service_type.value,
        "weekdays": list(decision.weekdays),
        "interval_weeks": str(decision.interval_weeks),
        "valid_to": decision.valid_to.isoformat() if decision.valid_to else "",
    }
    for i, visit in enumerate(visits):
        values |= {
            f"visit{i}_label": visit.label,
            f"visit{i}_start": _clock(visit.window_start),
            f"visit{i}_end": _clock(visit.window_end),
            f"visit{i}_hard": visit.window_hard,
            f"visit{i}_latest": _clock(visit.latest_acceptable),
            f"visit{i}_double": visit.double_staffed,
            f"visit{i}_daycentre": _clock(visit.latest_start),
            f"visit{i}_tasks": tasks_text(visit.tasks),
        }
    labels = {v.id: v.label for v in visits}
    for j, link in enumerate(links):
        values |= {
            f"link{j}_from": labels.get(link.from_visit_id, ""),
            f"link{j}_to": labels.get(link.to_visit_id, ""),
            f"link{j}_min": str(link.min_gap_minutes),
            f"link{j}_max": "" if link.max_gap_minutes is None else str(link.max_gap_minutes),
        }
    return values


def _rows_open(
    values: dict[str, Any], errors: dict[str, str], row: str, fields: tuple[str, ...], rows: int, least: int
) -> int:
    """Rows of a kind open in the form: `least`, or up to the last row in use or with an error."""
    used = [
        i + 1
        for i in range(rows)
        if errors.get(f"{row}{i}") or any(values.get(f"{row}{i}_{field}") for field in fields)
    ]
    return max([least, *used])


def decision_form_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """What the decision_fields macro needs to show the form with these values and errors."""
    return {
        "decision_values": values,
        "decision_errors": errors,
        "weekdays": WEEKDAYS,
        "visit_rows": range(VISIT_ROWS),
        "shown_rows": _rows_open(values, errors, "visit", ("label",), VISIT_ROWS, VISIT_ROWS_SHOWN),
        "link_rows": range(_rows_open(values, errors, "link", ("from", "to"), LINK_ROWS, LINK_ROWS_SHOWN)),
    }


def posted_values(form: Any) -> dict[str, Any]:
    """What was typed, to show the form again beside its errors."""
    values: dict[str, Any] = {k: str(v) for k, v in form.items() if k != "form_token"}
    values["weekdays"] = [int(d) for d in form.getlist("weekdays") if str(d).isdigit()]
    return values
