"""The single settings row of this installation."""

from __future__ import annotations

from sqlmodel import Session

from backend.municipality.models import MunicipalitySettings, MunicipalitySettingsUpdate

SETTINGS_ROW_ID = 1


def get_municipality_settings(session: Session, *, default_name: str) -> MunicipalitySettings:
    row = session.get(MunicipalitySettings, SETTINGS_ROW_ID)
    if row is None:
        row = MunicipalitySettings(id=SETTINGS_ROW_ID, name=default_name)
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


def update_municipality_settings(
    session: Session, *, data: MunicipalitySettingsUpdate
) -> MunicipalitySettings:
    row = session.get(MunicipalitySettings, SETTINGS_ROW_ID) or MunicipalitySettings(
        id=SETTINGS_ROW_ID, name=data.name
    )
    for key, value in data.model_dump().items():
        setattr(row, key, value)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row
