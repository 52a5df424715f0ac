"""Writing the access log; called wherever recipient data leaves the server."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from backend.audit.models import AccessLog, AdminAction
from backend.auth.service import Principal


def log_recipient_reads(
    session: Session, *, principal: Principal, recipient_ids: Iterable[int], action: str, path: str = ""
) -> None:
    """One row per recipient read, committed with the caller's transaction."""
    for recipient_id in sorted(set(recipient_ids)):
        session.add(
            AccessLog(
                user_id=principal.user_id,
                username=principal.username,
                role=principal.role.value,
                recipient_id=recipient_id,
                action=action,
                path=path[:300],
            )
        )


def log_admin_action(
    session: Session,
    *,
    principal: Principal | None,
    action: str,
    target: str,
    grants_access: bool = False,
    actor: str = "system (kommandolinje)",
) -> None:
    """One row per administrative change, in the caller's transaction (no change without its row).
    principal None: the command line on the server, or the sign-on (`actor` says which)."""
    session.add(
        AdminAction(
            user_id=principal.user_id if principal else None,
            username=principal.username if principal else actor,
            action=action,
            target=target[:300],
            grants_access=grants_access,
        )
    )
