"""Importing Matrikkelen addresses (per municipality, replacing the earlier import) and looking them up."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import delete
from sqlmodel import Session, col, select

from backend.addresses.models import Address, AddressPublic
from backend.errors import InvalidInput, NotFound
from maps.geocoding import AddressFileError, address_key, address_label, read_matrikkel_csv


def import_addresses(session: Session, *, content: bytes) -> int:
    """All addresses of the file in one transaction; a municipality's earlier addresses are replaced."""
    try:
        records = list(read_matrikkel_csv(content))
    except AddressFileError as exc:
        raise InvalidInput(f"Adressefilen ble avvist, ingenting er lagret: {exc}") from exc
    municipalities = {r.municipality for r in records}
    try:
        for municipality in municipalities:
            session.execute(delete(Address).where(col(Address.municipality) == municipality))
        session.add_all(Address(key=r.key, **asdict(r)) for r in records)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return len(records)


def lookup(
    session: Session, *, street: str, number: int, letter: str = "", postcode: str | None = None
) -> AddressPublic:
    """The address point of street + number (+ letter, + postcode when several towns share a street name)."""
    query = select(Address).where(Address.key == address_key(street, number, letter))
    if postcode:
        query = query.where(Address.postcode == postcode.strip())
    found = list(session.exec(query.limit(5)))
    if not found:
        raise NotFound(f"Fant ikke adressen «{street} {number}{letter}» i Matrikkelen.")
    if len({(a.postcode, a.city) for a in found}) > 1:
        towns = ", ".join(sorted({f"{a.postcode} {a.city}" for a in found}))
        raise InvalidInput(
            f"«{street} {number}{letter}» finnes i flere poststeder ({towns}); oppgi postnummer.",
            field="postcode",
        )
    a = found[0]
    return AddressPublic.model_validate(
        {**a.model_dump(), "label": address_label(a.street, a.number, a.letter, a.postcode, a.city)}
    )
