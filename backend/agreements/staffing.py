"""Staffing advice for what no move of agreed times makes fit: the carers missing per 30-minute slot, shift,
weekday and competence, for whoever makes the rota.

Each visit the trial with every proposal still could not keep asks for its minutes (both carers of a
double-staffed visit) and an average drive, spread evenly over its agreed window, as the peak-load chart
counts need; a slot's missing carers are those minutes over the slot's 30, rounded up. Consecutive slots are
joined into one stretch with the most carers any of them needs, and weekdays with the same stretches into
one line («+2 pleiere 07:30–10:30 man–fre»).
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import asdict, dataclass

from backend.agreements.trial_week import Occurrence
from backend.common.localtime import WEEKDAYS, local_minutes
from backend.common.spreadsheet import csv_cell
from backend.planning.load import DEFAULT_TRAVEL_MIN
from backend.planning.translate import shift_of

SLOT_MIN = 30
NURSE = "sykepleier"
CARER = "pleier"
SHORT_DAYS = tuple(name[:3] for name in WEEKDAYS)
# (competence, one carer?) → the word a page shows, through its translation
NOUNS = {
    (NURSE, True): "sykepleier",
    (NURSE, False): "sykepleiere",
    (CARER, True): "pleier",
    (CARER, False): "pleiere",
}


@dataclass(frozen=True)
class StaffingNeed:
    weekday: int  # ISO, 1 = Monday
    shift_kind: str
    slot: str  # HH:MM, the slot's start
    competence: str  # "sykepleier" or "pleier"
    carer_hours: float
    carers: int

    @property
    def slot_end(self) -> str:
        """HH:MM, the slot's end."""
        hour, minute = map(int, self.slot.split(":"))
        return _clock_label(hour * 60 + minute + SLOT_MIN)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _clock_label(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def staffing_needs(missed: list[Occurrence], travel_min: float = DEFAULT_TRAVEL_MIN) -> list[StaffingNeed]:
    """Missing carers per weekday, shift, slot and competence for the visits still outside their window."""
    minutes: dict[tuple[int, str, int, str], float] = defaultdict(float)
    for o in missed:
        visit = o.visit
        start, end = local_minutes(visit.window_start), local_minutes(visit.window_end)
        length = max(end - start, 1)
        # the first carer does the tasks; a double-staffed visit's second one helps (translate.half_competences)
        staff = [NURSE if visit.needs_nurse else CARER] + ([CARER] if visit.double_staffed else [])
        for slot in range(start // SLOT_MIN * SLOT_MIN, end, SLOT_MIN):
            share = (min(end, slot + SLOT_MIN) - max(start, slot)) / length
            if share > 0:
                for competence in staff:
                    key = (o.day.isoweekday(), shift_of(visit).value, slot, competence)
                    minutes[key] += (visit.minutes + travel_min) * share
    return [
        StaffingNeed(
            day,
            shift,
            _clock_label(slot),
            comp,
            round(m / 60, 2),
            math.ceil(m / SLOT_MIN - 1e-9),
        )
        for (day, shift, slot, comp), m in sorted(minutes.items())
    ]


def _stretches(needs: list[StaffingNeed]) -> tuple[tuple[str, str, int], ...]:
    """Consecutive slots joined: (from, to, most carers)."""
    result: list[tuple[str, str, int]] = []
    for need in sorted(needs, key=lambda n: n.slot):
        if result and result[-1][1] == need.slot:
            begin, _, carers = result[-1]
            result[-1] = (begin, need.slot_end, max(carers, need.carers))
        else:
            result.append((need.slot, need.slot_end, need.carers))
    return tuple(result)


@dataclass(frozen=True)
class AdviceLine:
    carers: int
    competence: str
    begin: str
    end: str
    weekdays: tuple[int, ...]
    shift_kind: str = "day"

    def text(self) -> str:
        """Bokmål, as the CSV and the API give it; the pages word it in the chosen language."""
        nurse = self.competence == NURSE
        noun = (
            ("sykepleier" if nurse else "pleier")
            if self.carers == 1
            else ("sykepleiere" if nurse else "pleiere")
        )
        return f"+{self.carers} {noun} {self.begin}–{self.end} {days_label(self.weekdays)}"


def days_label(days: tuple[int, ...], names: tuple[str, ...] = SHORT_DAYS) -> str:
    """man–fre for a run of three or more days, else the days named."""
    short = [names[d - 1] for d in days]
    if len(days) > 2 and list(days) == list(range(days[0], days[-1] + 1)):
        return f"{short[0]}–{short[-1]}"
    return ", ".join(short)


def advice(needs: list[StaffingNeed]) -> list[AdviceLine]:
    """Per competence and shift, the stretches of missing carers over the week: stretches of different days
    that overlap are joined into one (from the earliest start to the latest end, the most carers any of
    them needs, every weekday they occur), so the rota gets a few lines it can act on, never less than a
    day needs (the CSV keeps each slot)."""
    per_day: dict[tuple[str, str, int], list[StaffingNeed]] = defaultdict(list)
    for need in needs:
        per_day[(need.competence, need.shift_kind, need.weekday)].append(need)
    spans: dict[tuple[str, str], list[tuple[str, str, int, int]]] = defaultdict(list)
    for (competence, shift, day), own in per_day.items():
        spans[(competence, shift)] += [(begin, end, carers, day) for begin, end, carers in _stretches(own)]
    lines: list[AdviceLine] = []
    for (competence, shift), found in sorted(spans.items()):
        merged: list[AdviceLine] = []
        for begin, end, carers, day in sorted(found):  # HH:MM strings sort as times
            last = merged[-1] if merged else None
            if last is not None and begin < last.end:
                merged[-1] = AdviceLine(
                    max(last.carers, carers),
                    competence,
                    last.begin,
                    max(last.end, end),
                    tuple(sorted({*last.weekdays, day})),
                    shift,
                )
            else:
                merged.append(AdviceLine(carers, competence, begin, end, (day,), shift))
        lines += merged
    return lines


def needs_of(rows: list[dict[str, object]]) -> list[StaffingNeed]:
    """A run's stored needs back as objects."""
    return [StaffingNeed(**row) for row in rows]  # type: ignore[arg-type]


CSV_COLUMNS = ("ukedag", "vakt", "fra", "til", "kompetanse", "pleiere som mangler", "pleiertimer som mangler")


def to_csv(needs: list[StaffingNeed]) -> str:
    """One row per weekday, shift, 30-minute slot and competence, for whoever makes the rota (`;`, decimal
    comma, as the KPI export)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for need in needs:
        writer.writerow(
            [
                csv_cell(value)
                for value in (
                    WEEKDAYS[need.weekday - 1],
                    need.shift_kind,
                    need.slot,
                    need.slot_end,
                    need.competence,
                    need.carers,
                    float(need.carer_hours),
                )
            ]
        )
    return out.getvalue()
