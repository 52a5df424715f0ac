"""Care recipient (tjenestemottaker / bruker) and next of kin (pårørende)."""

from __future__ import annotations

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from backend.common.enums import Language
from backend.common.phone import normalise_mobile
from backend.common.types import IdField, LongText, ShortText


class _MobileValidation(SQLModel):
    @field_validator("phone", check_fields=False)
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        return None if value in (None, "") else normalise_mobile(value)


class NextOfKinBase(SQLModel):
    name: ShortText = Field(max_length=200)
    relation: ShortText | None = Field(default=None, max_length=200, description="e.g. datter, ektefelle")
    phone: str = Field(max_length=20)
    notice_consent: bool = Field(default=False, description="samtykke til SMS-varsel")


class NextOfKin(NextOfKinBase, table=True):
    """Pårørende: may receive delay notices when they consented."""

    __tablename__ = "next_of_kin"
    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="recipient.id", index=True, ondelete="CASCADE")


class NextOfKinCreate(_MobileValidation, NextOfKinBase):
    pass


class NextOfKinPublic(NextOfKinBase):
    id: int
    recipient_id: int


class RecipientBase(SQLModel):
    name: ShortText = Field(max_length=200)
    external_id: ShortText | None = Field(default=None, max_length=200, description="journal-/brukernummer")
    address: ShortText = Field(max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    phone: str | None = Field(default=None, max_length=20)
    notice_consent: bool = Field(default=False, description="samtykke til SMS-varsel")
    visit_plan_consent: bool = Field(default=False, description="samtykke til ukens besøksplan på SMS")
    language: Language = Language.nb
    access_notes: LongText = Field(
        default="", max_length=2000, description="adkomst (nøkkelboks, inngang); aldri helseopplysninger"
    )
    team_id: IdField = Field(foreign_key="team.id", index=True)
    primary_carer_id: IdField | None = Field(
        default=None, foreign_key="carer.id", description="primærkontakt"
    )
    active: bool = True


class Recipient(RecipientBase, table=True):
    """Tjenestemottaker: a person who receives home-care visits."""

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=200, unique=True)


class RecipientCreate(_MobileValidation, RecipientBase):
    next_of_kin: list[NextOfKinCreate] = Field(default_factory=list, max_length=10)


class RecipientUpdate(_MobileValidation):
    name: ShortText | None = None
    address: ShortText | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    phone: str | None = None
    notice_consent: bool | None = None
    visit_plan_consent: bool | None = None
    language: Language | None = None
    access_notes: LongText | None = None
    team_id: IdField | None = None
    primary_carer_id: IdField | None = None
    active: bool | None = None


class RecipientPublic(RecipientBase):
    id: int
    next_of_kin: list[NextOfKinPublic] = Field(default_factory=list)
