"""The fixed competence catalogue (kompetanse) and which competences satisfy which requirement."""

from __future__ import annotations

from collections.abc import Iterable

PROFESSIONS: dict[str, str] = {
    "sykepleier": "Sykepleier (SPL)",
    "vernepleier": "Vernepleier",
    "helsefagarbeider": "Helsefagarbeider (HFA)",
    "assistent": "Assistent",
}
QUALIFICATIONS: dict[str, str] = {
    "legemiddelhandtering": "Delegert legemiddelhåndtering",
    "sarbehandling": "Sårbehandling",
    "forflytning": "Forflytningsopplæring (heis/personløfter)",
}
CATALOGUE: dict[str, str] = {**PROFESSIONS, **QUALIFICATIONS}

# A competence implies the ones listed: a nurse may do what a health worker or assistant does, and
# handles medication and wounds without a separate delegation.
_IMPLIES: dict[str, frozenset[str]] = {
    "sykepleier": frozenset({"helsefagarbeider", "assistent", "legemiddelhandtering", "sarbehandling"}),
    "vernepleier": frozenset({"helsefagarbeider", "assistent", "legemiddelhandtering"}),
    "helsefagarbeider": frozenset({"assistent"}),
}


def unknown_competences(names: Iterable[str]) -> list[str]:
    return sorted({n for n in names if n not in CATALOGUE})


def validate_competences(names: Iterable[str]) -> list[str]:
    """Raise ValueError naming every unknown competence; return a sorted, de-duplicated list."""
    names = list(names)
    unknown = unknown_competences(names)
    if unknown:
        raise ValueError(f"ukjent kompetanse: {', '.join(unknown)} (gyldige: {', '.join(sorted(CATALOGUE))})")
    return sorted(set(names))


def effective_competences(declared: Iterable[str]) -> frozenset[str]:
    """What a carer may do: the declared competences and everything they imply."""
    result: set[str] = set()
    for name in declared:
        result.add(name)
        result |= _IMPLIES.get(name, frozenset())
    return frozenset(result)


def is_nurse(declared: Iterable[str]) -> bool:
    return "sykepleier" in set(declared)
