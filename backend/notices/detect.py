"""Deciding, for every visit left on a route, whether its recipient must be told: on each visit event, the
carer's «Forsinket», each clock tick and each republished plan. One rule set (policy.py), one outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from backend.common.crud import get_or_404
from backend.common.enums import VisitEventKind
from backend.common.lateness import lateness_minutes
from backend.common.types import utcnow
from backend.notices.models import DelayOutcome, Notice
from backend.notices.outbox import Told, create_notice, municipality
from backend.notices.policy import delay_decision, has_consent, quiet_now, window_closing
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import Recipient
from backend.settings import Settings
from backend.visits.day import route_etas, visit_ref


def _quiet(session: Session) -> tuple[dt.time, dt.time]:
    place = municipality(session)
    return place.notice_quiet_start, place.notice_quiet_end


def _last_notified(session: Session, ref: str, kind: str) -> Notice | None:
    """The visit's last notice of a kind."""
    return session.exec(
        select(Notice)
        .where(col(Notice.key).startswith(f"{ref}:{kind}:"))
        .order_by(col(Notice.revision).desc())
    ).first()


@dataclass
class _Due:
    """A visit the rules say to tell about now, waiting to be grouped by recipient."""

    stop: Stop
    expected: dt.datetime
    lateness: int
    ref: str
    revision: int
    recipient: Recipient
    outcome: DelayOutcome


def evaluate_route(
    session: Session,
    *,
    route: Route,
    plan: Plan,
    now: dt.datetime,
    source: str,
    settings: Settings,
    delay_report_id: int | None = None,
    preview: bool = False,
) -> list[DelayOutcome]:
    """Delay notices for the route's visits not yet started, written in the caller's transaction; a
    recipient with several visits late at once gets one message naming them all. `preview`: only say
    what would happen («would_notify»), so the carer is told before tapping, writing nothing."""
    place = municipality(session)
    threshold, quiet = place.notice_threshold_minutes, (place.notice_quiet_start, place.notice_quiet_end)
    stops = list(session.exec(select(Stop).where(Stop.route_id == route.id).order_by(col(Stop.seq))))
    outcome: list[DelayOutcome] = []
    due: list[_Due] = []
    for stop, eta in route_etas(session, route, stops, now):
        result = DelayOutcome(
            stop_id=stop.id or 0,
            expected_start=eta.expected_start,
            lateness_minutes=eta.lateness_minutes,
            notice="done",
        )
        outcome.append(result)
        if eta.state != "planned" or eta.expected_start is None:
            continue
        ref = visit_ref(stop, plan.date)
        last = _last_notified(session, ref, "delay")
        revision = last.revision if last else 0
        result.notified_at = last.created_at if last else None
        recipient = get_or_404(session, Recipient, stop.recipient_id, "Bruker")
        result.notice = delay_decision(
            lateness_minutes=eta.lateness_minutes,
            threshold_minutes=threshold,
            consented=has_consent(session, recipient),
            last_notified_lateness=last.lateness_minutes if last else None,
            closing=window_closing(now, stop.window_end),
        )
        if result.notice == "created" and quiet_now(now, stop.window_start, *quiet):
            result.notice = "quiet_hours"
        if result.notice == "created" and preview:
            result.notice = "would_notify"
        elif result.notice == "created":
            due.append(_Due(stop, eta.expected_start, eta.lateness_minutes, ref, revision, recipient, result))
    _tell(session, due, now=now, source=source, settings=settings, delay_report_id=delay_report_id)
    return outcome


def _tell(
    session: Session,
    due: list[_Due],
    *,
    now: dt.datetime,
    source: str,
    settings: Settings,
    delay_report_id: int | None,
) -> None:
    """One notice per visit (its key keeps it once); one message per recipient, on the first visit's notice."""
    by_recipient: dict[int, list[_Due]] = {}
    for item in due:
        by_recipient.setdefault(item.recipient.id or 0, []).append(item)
    for items in by_recipient.values():
        together = [(i.stop.window_start, i.expected) for i in items]
        first_id: int | None = None
        for item in items:
            notice = create_notice(
                session,
                settings=settings,
                key=f"{item.ref}:delay:{item.revision + 1}",
                stop_id=item.stop.id or 0,
                recipient=item.recipient,
                kind="delay",
                revision=item.revision + 1,
                expected=item.expected,
                lateness_minutes=item.lateness,
                source=source,
                now=now,
                delay_report_id=delay_report_id,
                told=Told(agreed=item.stop.window_start, together=together, merged_into=first_id),
            )
            item.outcome.notice = "created" if notice else "already"
            item.outcome.notice_id = notice.id if notice else None
            if notice is not None and first_id is None:
                first_id = notice.id


def _stop_of_visit(session: Session, plan_ids: tuple[int | None, ...], decision_visit_id: int) -> Stop | None:
    """The visit's stop in the first of the plans that has it (the new plan, or the one it replaced)."""
    for plan_id in plan_ids:
        stop = session.exec(
            select(Stop)
            .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
            .where(Route.plan_id == plan_id, Stop.decision_visit_id == decision_visit_id)
        ).first()
        if stop is not None:
            return stop
    return None


def notify_replan(session: Session, *, plan: Plan, now: dt.datetime, settings: Settings) -> int:
    """On publishing a re-plan: a visit moved outside its window gets a «moved» notice, a visit no longer
    planned a «cancelled» notice (consent, quiet hours and the key rule apply). Returns notices created."""
    diff = plan.plan_diff()
    created = 0
    for change in diff.changes if diff else []:
        if "now_late" not in change.kinds:
            continue
        kind = "cancelled" if change.new_start is None else "moved"
        recipient = get_or_404(session, Recipient, change.recipient_id, "Bruker")
        if not has_consent(session, recipient) or quiet_now(now, change.window_start, *_quiet(session)):
            continue
        expected = change.new_start or change.old_start
        if expected is None:
            continue
        window_end = change.window_end
        stop = _stop_of_visit(session, (plan.id, plan.base_plan_id), change.decision_visit_id)
        if stop is None:
            continue
        notice = create_notice(
            session,
            settings=settings,
            key=f"{visit_ref(stop, plan.date)}:{kind}:{plan.id}",  # once per visit and published plan
            stop_id=stop.id or 0,
            recipient=recipient,
            kind=kind,
            revision=plan.id or 1,
            expected=expected,
            lateness_minutes=lateness_minutes(expected, window_end),
            source="replan",
            now=now,
            told=Told(agreed=change.window_start),
        )
        created += notice is not None
    return created


def notices_after_event(session: Session, *, stop_id: int, kind: VisitEventKind, settings: Settings) -> None:
    """In the event's own transaction: a cancelled visit gets its notice; any event re-estimates the rest
    of the route (a long visit makes the next ones late)."""
    stop = get_or_404(session, Stop, stop_id, "Besøk")
    route = get_or_404(session, Route, stop.route_id, "Kjøreliste")
    plan = get_or_404(session, Plan, route.plan_id, "Plan")
    now = utcnow()
    if kind == VisitEventKind.cancel:
        recipient = get_or_404(session, Recipient, stop.recipient_id, "Bruker")
        if has_consent(session, recipient) and not quiet_now(now, stop.window_start, *_quiet(session)):
            create_notice(
                session,
                settings=settings,
                key=f"{visit_ref(stop, plan.date)}:cancelled:1",
                stop_id=stop_id,
                recipient=recipient,
                kind="cancelled",
                revision=1,
                expected=stop.planned_start,
                lateness_minutes=0,
                source="eta",
                now=now,
            )
    evaluate_route(session, route=route, plan=plan, now=now, source="eta", settings=settings)
