"""CSV cells a spreadsheet shows as text (the KPI export and the access-log export)."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """Numbers with a decimal comma, and text that would start a formula (a team named «=HYPERLINK(…)»)
    quoted with a leading apostrophe (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text
