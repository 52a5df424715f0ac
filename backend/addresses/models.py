"""Address (adresse) from Kartverket's Matrikkelen, for turning a recipient's address into coordinates."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Field, SQLModel


class Address(SQLModel, table=True):
    """One official address point; `key` is the normalised street|number|letter used for lookups."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)
    street: str = Field(max_length=200)
    number: int
    letter: str = Field(default="", max_length=5)
    postcode: str = Field(max_length=10, index=True)
    city: str = Field(max_length=100)
    municipality: str = Field(default="", max_length=10, index=True)
    lat: float
    lon: float


class AddressPublic(BaseModel):
    street: str
    number: int
    letter: str
    postcode: str
    city: str
    lat: float
    lon: float
    label: str
