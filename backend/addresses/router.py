from __future__ import annotations

from fastapi import APIRouter, Query

from backend.addresses.models import AddressPublic
from backend.addresses.service import lookup
from backend.auth.deps import CoordinatorDep
from backend.db import SessionDep

router = APIRouter(prefix="/addresses", tags=["adresser"])


@router.get("/lookup", response_model=AddressPublic, summary="Coordinates of an address (Matrikkelen)")
def lookup_address(
    session: SessionDep,
    _: CoordinatorDep,
    street: str = Query(..., min_length=1, max_length=200),
    number: int = Query(..., ge=0, le=100_000),
    letter: str = Query("", max_length=5),
    postcode: str | None = Query(None, max_length=10),
) -> AddressPublic:
    return lookup(session, street=street, number=number, letter=letter, postcode=postcode)
