"""Phone numbers: stored in E.164; notices go to mobiles only."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberType


def _parse_valid(raw: str, region: str) -> tuple[str, PhoneNumber]:
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"«{text}» er ikke et telefonnummer") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"«{text}» er ikke et gyldig telefonnummer")
    return text, number


def normalise_mobile(raw: str, region: str = "NO") -> str:
    """Parse a Norwegian (or international) mobile number to E.164, or raise ValueError saying why."""
    text, number = _parse_valid(raw, region)
    if phonenumbers.number_type(number) not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValueError(f"«{text}» er ikke et mobilnummer (varsel sendes bare på SMS)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_any(raw: str, region: str = "NO") -> str:
    """Any valid number (e.g. the municipality's switchboard) in E.164."""
    _, number = _parse_valid(raw, region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
