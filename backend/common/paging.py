"""Paging for every list endpoint: a municipality has hundreds of recipients and an import can add
hundreds of thousands; no request may return (and access-log) all of them at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Response
from sqlmodel import Session, func, select
from sqlmodel.sql.expression import SelectOfScalar

from backend.common.types import MAX_ID

RowT = TypeVar("RowT")
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Page:
    """Which slice of a list to return; the whole list's length goes back in X-Total-Count."""

    limit: int
    offset: int
    response: Response

    def rows(self, session: Session, query: SelectOfScalar[RowT]) -> list[RowT]:
        """The page's rows of an ordered query, telling the caller how many there are in all."""
        total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
        self.response.headers["X-Total-Count"] = str(total)
        return list(session.exec(query.limit(self.limit).offset(self.offset)))


def _page(
    response: Response,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"høyst {MAX_LIMIT} per side"),
    offset: int = Query(0, ge=0, le=MAX_ID, description="hopp over så mange"),
) -> Page:
    return Page(limit, offset, response)


PageDep = Annotated[Page, Depends(_page)]


def rows_of(session: Session, query: SelectOfScalar[RowT], page: Page | None) -> list[RowT]:
    """A page of the query's rows, or all of them for callers outside a request (imports, the CLI)."""
    return list(session.exec(query)) if page is None else page.rows(session, query)
