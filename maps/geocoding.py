"""Kartverket's Matrikkelen address CSV (Geonorge "Adresser", EPSG:4258): reading and normalising.

The file is semicolon-separated UTF-8 with many columns; we need adressenavn, nummer, bokstav, postnummer,
poststed and the coordinates Nord (latitude) and Øst (longitude), plus kommunenummer when present.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from maps.errors import MapError

REQUIRED = ("adressenavn", "nummer", "bokstav", "postnummer", "poststed", "nord", "øst")


class AddressFileError(MapError):
    """The address file cannot be read; the message names the line and what is wrong."""


@dataclass(frozen=True)
class AddressRecord:
    street: str
    number: int
    letter: str
    postcode: str
    city: str
    lat: float
    lon: float
    municipality: str = ""

    @property
    def key(self) -> str:
        return address_key(self.street, self.number, self.letter)

    @property
    def label(self) -> str:
        return address_label(self.street, self.number, self.letter, self.postcode, self.city)


def address_label(street: str, number: int, letter: str, postcode: str, city: str) -> str:
    """How an address is shown: 'Storgata 5B, 3400 LIER'."""
    return f"{street} {number}{letter.upper()}, {postcode} {city}"


def normalise_street(street: str) -> str:
    """Case, spacing and punctuation do not matter: 'Store  gate.' and 'store gate' are the same street."""
    return re.sub(r"[\s.\-']+", " ", street.casefold()).strip()


def address_key(street: str, number: int, letter: str = "") -> str:
    return f"{normalise_street(street)}|{number}|{letter.strip().casefold()}"


def read_matrikkel_csv(content: bytes) -> Iterator[AddressRecord]:
    """Yield each address; a malformed line raises AddressFileError naming the line."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AddressFileError("the address file is not UTF-8 (Geonorge's CSV is UTF-8)") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header = [h.strip().casefold() for h in next(reader)]
    except StopIteration:
        raise AddressFileError("the address file is empty") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise AddressFileError(f"the address file lacks column(s) {', '.join(missing)} (semicolon-separated)")
    col = {name: header.index(name) for name in header}
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        line = reader.line_num
        if len(cells) != len(header):
            raise AddressFileError(f"line {line}: {len(cells)} fields, the header has {len(header)}")
        try:
            lat = float(cells[col["nord"]].replace(",", "."))
            lon = float(cells[col["øst"]].replace(",", "."))
            number = int(cells[col["nummer"]])
        except ValueError as exc:
            raise AddressFileError(f"line {line}: {exc}") from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise AddressFileError(
                f"line {line}: coordinates ({lat}, {lon}) are not degrees (EPSG:4258 expected)"
            )
        yield AddressRecord(
            street=cells[col["adressenavn"]].strip(),
            number=number,
            letter=cells[col["bokstav"]].strip(),
            postcode=cells[col["postnummer"]].strip(),
            city=cells[col["poststed"]].strip(),
            lat=lat,
            lon=lon,
            municipality=cells[col["kommunenummer"]].strip() if "kommunenummer" in col else "",
        )
