"""Small helpers every domain service uses."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, SQLModel

from backend.errors import NotFound

ModelT = TypeVar("ModelT", bound=SQLModel)


def get_or_404(session: Session, model: type[ModelT], row_id: int, what: str) -> ModelT:
    """Fetch by primary key or raise NotFound naming the thing ("Pleier 7 finnes ikke.")."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{what} {row_id} finnes ikke.")
    return row


def apply_update(row: SQLModel, changes: SQLModel) -> None:
    """Copy the fields the client actually sent onto a stored row."""
    for key, value in changes.model_dump(exclude_unset=True).items():
        setattr(row, key, value)
