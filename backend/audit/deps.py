"""The access log as a request dependency: a handler that returns recipient data names the recipients once
(`reads(ids, "read plan")`) and the rows are written here, with who asked and the path."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from backend.audit.service import log_recipient_reads
from backend.auth.deps import PrincipalDep
from backend.auth.service import Principal
from backend.db import SessionDep


class RecipientReads:
    """Writes and commits one access-log row per recipient read in this request."""

    def __init__(self, session: Session, principal: Principal, path: str) -> None:
        self.session, self.principal, self.path = session, principal, path

    def __call__(self, recipient_ids: Iterable[int], action: str) -> None:
        log_recipient_reads(
            self.session, principal=self.principal, recipient_ids=recipient_ids, action=action, path=self.path
        )
        self.session.commit()


def recipient_reads(request: Request, session: SessionDep, principal: PrincipalDep) -> RecipientReads:
    return RecipientReads(session, principal, request.url.path)


RecipientReadsDep = Annotated[RecipientReads, Depends(recipient_reads)]
