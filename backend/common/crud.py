"""Small helpers every domain service uses."""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

from sqlmodel import Session, SQLModel, select

from backend.errors import Conflict, InvalidInput, NotFound

ModelT = TypeVar("ModelT", bound=SQLModel)


def get_or_404(session: Session, model: type[ModelT], row_id: int, what: str) -> ModelT:
    """Fetch by primary key or raise NotFound naming the thing ("Pleier 7 finnes ikke.")."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{what} {row_id} finnes ikke.")
    return row


def apply_update(row: SQLModel, changes: SQLModel) -> None:
    """Copy the fields the client actually sent onto a stored row; an explicit null for a column that must
    have a value is refused before anything changes (else it is committed and every later read fails)."""
    sent = changes.model_dump(exclude_unset=True)
    columns = row.__table__.columns  # type: ignore[attr-defined]
    for key, value in sent.items():
        if value is None and key in columns and not columns[key].nullable:
            raise InvalidInput(f"Feltet «{key}» kan ikke være tomt (null).", field=key)
    for key, value in sent.items():
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


def referenced_elsewhere(session: Session, model: type[SQLModel], ids: Collection[int]) -> bool:
    """Whether any row of another table points at these rows through a foreign key that does not cascade
    (a cascading one is the row's own part and goes with it). A domain can so refuse to delete what others
    use without importing the domains above it that use it."""
    if not ids:
        return False
    target = model.__table__  # type: ignore[attr-defined]
    for table in SQLModel.metadata.sorted_tables:
        if table is target:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is target and (fk.ondelete or "").upper() != "CASCADE":
                found = session.exec(select(fk.parent).where(fk.parent.in_(list(ids))).limit(1)).first()
                if found is not None:
                    return True
    return False
