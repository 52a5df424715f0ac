"""Reading the CSV files coordinators export from spreadsheets and the patient record system.

Separator ';' (Norwegian Excel) or ',', detected from the header line; UTF-8 with or without BOM.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

_TRUE = {"ja", "j", "true", "1", "yes", "x"}
_FALSE = {"nei", "n", "false", "0", "no", ""}
_DAYS = {"man": 1, "tir": 2, "ons": 3, "tor": 4, "fre": 5, "lør": 6, "lor": 6, "søn": 7, "son": 7}


class CsvFormatError(ValueError):
    """A file that cannot be read as CSV at all."""


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "").strip()


MAX_ROWS = 5_000  # a large district's recipients or a team's months of rota; more is a mistake or an attack


def read_rows(content: bytes, *, file_label: str, required: list[str]) -> Iterator[CsvRow]:
    """Rows keyed by lower-case header; raises CsvFormatError naming what is wrong with the file. A file of
    more than MAX_ROWS rows is refused before any row is checked (one import holds the database's writer
    for its whole transaction; split big files)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFormatError(f"{file_label}: filen er ikke UTF-8 (lagre som «CSV UTF-8»)") from exc
    if "\x00" in text:
        raise CsvFormatError(f"{file_label}: filen inneholder binære data og er ikke en CSV-fil")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise CsvFormatError(f"{file_label}: filen er tom eller mangler overskriftslinje")
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
        missing = [c for c in required if c not in header]
        if missing:
            raise CsvFormatError(f"{file_label}: mangler kolonne(r) {', '.join(missing)} i overskriftslinjen")
        if len(set(header)) != len(header):
            raise CsvFormatError(f"{file_label}: samme kolonnenavn står flere ganger i overskriftslinjen")
        rows = 0
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            rows += 1
            if rows > MAX_ROWS:
                raise CsvFormatError(
                    f"{file_label}: filen har mer enn {MAX_ROWS:,} linjer".replace(",", " ")
                    + "; del den opp og importer delene etter hverandre"
                )
            if len(cells) != len(header):
                raise CsvFormatError(
                    f"{file_label} linje {line}: {len(cells)} felt, men overskriften har {len(header)}"
                )
            yield CsvRow(line=line, values=dict(zip(header, cells, strict=True)))
    except csv.Error as exc:
        raise CsvFormatError(f"{file_label} linje {reader.line_num}: {exc}") from exc


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"«{text}» er ikke ja/nei")


def parse_weekdays(text: str) -> list[int]:
    """'1-5', '1,3,5', 'man-fre', 'man,ons,fre' or 'alle' → ISO weekdays."""
    value = text.strip().lower().replace(" ", "")
    if value in ("alle", "daglig", "1-7"):
        return list(range(1, 8))

    def day(token: str) -> int:
        if token.isdigit() and 1 <= int(token) <= 7:
            return int(token)
        if token[:3] in _DAYS:
            return _DAYS[token[:3]]
        raise ValueError(f"«{token}» er ikke en ukedag (1-7 eller man…søn)")

    days: set[int] = set()
    for part in filter(None, value.split(",")):
        if "-" in part:
            first, last = (day(p) for p in part.split("-", 1))
            if last < first:
                raise ValueError(f"«{part}»: ukedagsintervallet går baklengs")
            days.update(range(first, last + 1))
        else:
            days.add(day(part))
    if not days:
        raise ValueError("ingen ukedager oppgitt")
    return sorted(days)


_TASK = re.compile(r"^(?P<name>[^:]+):(?P<minutes>\d+)(?P<rest>(?::[a-zæøå_]+)*)$")
TIME_CRITICAL = "tidskritisk"


def parse_tasks(text: str) -> list[dict[str, object]]:
    """'morgenstell:20:helsefagarbeider|insulin:5:sykepleier:tidskritisk' → task dicts."""
    tasks: list[dict[str, object]] = []
    for part in filter(None, (p.strip() for p in text.split("|"))):
        match = _TASK.match(part)
        extras = match["rest"].split(":")[1:] if match else []
        competences = [e for e in extras if e != TIME_CRITICAL]
        if match is None or len(competences) > 1 or extras.count(TIME_CRITICAL) > 1:
            raise ValueError(f"«{part}» er ikke på formen navn:minutter[:kompetanse][:tidskritisk]")
        tasks.append(
            {
                "name": match["name"].strip(),
                "minutes": int(match["minutes"]),
                "competence": competences[0] if competences else None,
                "time_critical": TIME_CRITICAL in extras,
            }
        )
    if not tasks:
        raise ValueError("ingen tiltak oppgitt")
    return tasks


def tasks_text(tasks: list[dict[str, object]]) -> str:
    """The inverse of parse_tasks: a stored vedtak's tasks as a form or a CSV cell shows them."""
    return "|".join(
        ":".join(
            str(part)
            for part in (
                t["name"],
                t["minutes"],
                t.get("competence"),
                t.get("time_critical") and TIME_CRITICAL,
            )
            if part
        )
        for t in tasks
    )
