"""What notices do when planning and visits announce something (wired into Hooks by the app factory)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlmodel import Session, col, select

from backend.common.hooks import Hooks
from backend.common.types import utcnow
from backend.notices.detect import notices_after_event, notify_replan
from backend.notices.models import Notice
from backend.settings import Settings


def noticed_visits(session: Session, recipient_ids: Collection[int]) -> set[str]:
    """The visit refs of these recipients that have had a notice (the tablet shows «Varslet»)."""
    keys = session.exec(select(Notice.key).where(col(Notice.recipient_id).in_(set(recipient_ids)))).all()
    return {key.rsplit(":", 2)[0] for key in keys}


def subscribe(hooks: Hooks, settings: Settings) -> Hooks:
    """Notices on a published re-plan (visits moved out of their window or taken out) and after each visit
    event (the rest of the route re-estimated), under the installation's settings."""

    def on_plan_published(session: Session, plan: Any) -> None:
        if plan.base_plan_id is not None:
            notify_replan(session, plan=plan, now=utcnow(), settings=settings)

    def on_visit_event(session: Session, stop_id: int, kind: Any) -> None:
        notices_after_event(session, stop_id=stop_id, kind=kind, settings=settings)

    hooks.plan_published.append(on_plan_published)
    hooks.visit_event_recorded.append(on_visit_event)
    hooks.noticed_visits.append(noticed_visits)
    return hooks
