"""The weekly KPI table as CSV (semicolon, decimal comma: opens in Norwegian Excel) and as a PDF report
for the audit committee (fpdf2, core fonts: Latin-1 text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from fpdf import FPDF

from backend.common.spreadsheet import csv_cell
from backend.kpis.service import TeamWeekKpis

COLUMNS: tuple[tuple[str, str], ...] = (
    ("team_name", "Team"),
    ("week", "Uke"),
    ("visits", "Besøk"),
    ("punctuality_pct", "Punktlighet %"),
    ("punctuality_morning_pct", "Punktlighet morgen %"),
    ("punctuality_day_pct", "Punktlighet dag %"),
    ("punctuality_evening_pct", "Punktlighet kveld %"),
    ("late_visits", "For sene"),
    ("lateness_mean_min", "Forsinkelse snitt min"),
    ("lateness_p90_min", "Forsinkelse p90 min"),
    ("missed_visits", "Uteblitt"),
    ("not_done_visits", "Ikke utført"),
    ("not_home_visits", "Ikke hjemme"),
    ("notice_coverage_pct", "Varslet ved forsinkelse %"),
    ("face_to_face_pct", "Ansikt-til-ansikt %"),
    ("travel_pct", "Reisetid %"),
    ("waiting_pct", "Ventetid %"),
    ("distinct_carers_7d", "Ulike pleiere 7 d"),
    ("distinct_carers_14d", "Ulike pleiere 14 d"),
    ("distinct_carers_28d", "Ulike pleiere 28 d"),
    ("start_spread_p50_min", "Tidsspredning p50 min"),
    ("start_spread_p90_min", "Tidsspredning p90 min"),
    ("primary_contact_pct", "Primærkontakt %"),
    ("delivered_vs_allocated_pct", "Levert av vedtak %"),
    ("minutes_diff_mean", "Faktisk − planlagt min"),
)


def to_csv(rows: Sequence[TeamWeekKpis]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([label for _, label in COLUMNS])
    for row in rows:
        writer.writerow([csv_cell(getattr(row, field)) for field, _ in COLUMNS])
    return out.getvalue()


def _latin1(text: str) -> str:
    return text.replace("−", "-").replace("–", "-").encode("latin-1", "replace").decode("latin-1")


def to_pdf(rows: Sequence[TeamWeekKpis], *, municipality: str, week: str) -> bytes:
    """One page per team: every KPI of the week with its definition's short name."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    for row in rows or []:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(
            0,
            10,
            _latin1(f"Hjemmetjenesten {municipality}: nøkkeltall uke {week}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font("Helvetica", "", 12)
        pdf.cell(0, 8, _latin1(f"{row.team_name}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for field, label in COLUMNS[2:]:
            pdf.cell(110, 7, _latin1(label), border="B")
            pdf.cell(
                40,
                7,
                _latin1(csv_cell(getattr(row, field)) or "-"),
                border="B",
                align="R",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.ln(4)
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(
            0,
            5,
            _latin1(
                "Punktlighet: innsjekk innenfor avtalt tidsvindu. Varslet: for sene besøk der brukeren fikk SMS "
                "før vinduet var over. Ansikt-til-ansikt: tid hos bruker / betalt vakttid. Definisjonene står i "
                "hjemmerute (backend/kpis/definitions.py). Ingen navn på brukere eller ansatte i denne rapporten."
            ),
        )
    if not rows:
        pdf.add_page()
        pdf.set_font("Helvetica", "", 12)
        pdf.cell(0, 10, _latin1(f"Ingen team å rapportere for uke {week}."))
    return bytes(pdf.output())
