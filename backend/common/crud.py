"""Small helpers every domain service uses."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, SQLModel, select

from backend.errors import Conflict, NotFound

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


def require_unique(
    session: Session, model: type[ModelT], field: str, value: object, *, exclude_id: int | None, message: str
) -> None:
    """Raise Conflict(message) when another row already has this value (external ids, names)."""
    if value in (None, ""):
        return
    existing = session.exec(select(model).where(getattr(model, field) == value)).first()
    if existing is not None and getattr(existing, "id", None) != exclude_id:
        raise Conflict(message, field=field)
