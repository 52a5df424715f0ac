"""Hooks: how a lower domain announces what happened without importing the domain that acts on it.

Planning sits below visits, so a hand edit on a plan reads visit progress through `stop_progress`.
Planning and visits sit below notices in the import order (docs/architecture.md); notices subscribe to a
published plan and to a recorded visit event, and tell the carer's day which visits have been noticed. The
app factory wires the subscribers (`backend.app`) and keeps them on `app.state.hooks`; handlers get them
through `HooksDep`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session

PlanPublished = Callable[[Session, Any], None]
VisitEventRecorded = Callable[[Session, int, Any], None]  # (session, stop id, event kind)
NoticedVisits = Callable[[Session, Collection[int]], set[str]]  # recipient ids → visit refs with a notice
StopProgressReader = Callable[[Session, list[Any]], list[Any]]  # stops → their progress (backend.visits)


@dataclass
class Hooks:
    plan_published: list[PlanPublished] = field(default_factory=list)
    visit_event_recorded: list[VisitEventRecorded] = field(default_factory=list)
    noticed_visits: list[NoticedVisits] = field(default_factory=list)
    stop_progress: StopProgressReader | None = None  # wired to backend.visits.status.stops_with_progress

    def publish(self, session: Session, plan: Any) -> None:
        for subscriber in self.plan_published:
            subscriber(session, plan)

    def event_recorded(self, session: Session, stop_id: int, kind: Any) -> None:
        for subscriber in self.visit_event_recorded:
            subscriber(session, stop_id, kind)

    def noticed(self, session: Session, recipient_ids: Collection[int]) -> set[str]:
        return {ref for provider in self.noticed_visits for ref in provider(session, recipient_ids)}


def hooks_of(request: Request) -> Hooks:
    hooks: Hooks = request.app.state.hooks
    return hooks


HooksDep = Annotated[Hooks, Depends(hooks_of)]
