"""What a re-plan changes, shown to the coordinator before publishing.

Visits are matched by their vedtak visit (both halves of a double-staffed visit); a visit is moved when a
carer serving it changed, re-timed when its start moved by at least RETIME_MINUTES, and now late when its
stored lateness says it starts after its agreed window (or it is no longer planned) although it was on time
before. Recipients of now
late visits are flagged for notice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from sqlmodel import Session

from backend.planning.models import ChangeKind, Plan, PlanChange, PlanDiff, Stop
from backend.planning.service import routes_of

RETIME_MINUTES = 5


def _by_visit(session: Session, plan_id: int) -> dict[int, list[tuple[int, Stop]]]:
    found: dict[int, list[tuple[int, Stop]]] = defaultdict(list)
    for route, stops in routes_of(session, plan_id):
        for stop in stops:
            if stop.decision_visit_id is not None:
                found[stop.decision_visit_id].append((route.carer_id, stop))
    return found


def _unplanned(plan: Plan) -> set[int]:
    return {u.decision_visit_id for u in plan.unassigned_visits()}


def plan_diff(
    session: Session, *, base_plan_id: int, new_plan_id: int, affected_carers: Collection[int] = ()
) -> PlanDiff:
    old, new = _by_visit(session, base_plan_id), _by_visit(session, new_plan_id)
    new_plan = session.get(Plan, new_plan_id)
    unplanned = _unplanned(new_plan) if new_plan else set()
    changes: list[PlanChange] = []
    labelled: list[tuple[list[ChangeKind], int]] = []
    moved_unaffected = 0
    for visit_id in sorted(set(old) | set(new)):
        before, after = old.get(visit_id, []), new.get(visit_id, [])
        if after and all(stop.fixed for _, stop in after):
            continue  # done or in progress: what happened, not a change the coordinator makes
        sample = (after or before)[0][1]
        old_start = min((s.planned_start for _, s in before), default=None)
        new_start = min((s.planned_start for _, s in after), default=None)
        old_carers, new_carers = {c for c, _ in before}, {c for c, _ in after}
        kinds: list[ChangeKind] = []
        if before and after and old_carers != new_carers:
            kinds.append("moved")
            moved_unaffected += len((old_carers - new_carers) - set(affected_carers))
        if old_start and new_start and abs(new_start - old_start) >= dt.timedelta(minutes=RETIME_MINUTES):
            kinds.append("retimed")
        # lateness as the solver (or the hand-laid plan) computed and stored it, never worked out again here
        was_on_time = bool(before) and not any(stop.lateness_seconds for _, stop in before)
        late_now = not after or any(stop.lateness_seconds for _, stop in after)
        if was_on_time and late_now:
            kinds.append("now_late")
        if before and not after and visit_id in unplanned:
            kinds.append("unassigned")
            moved_unaffected += len(old_carers - set(affected_carers))
        if after and not before:
            kinds.append("added")
        if not kinds:
            continue
        labelled.append((kinds, sample.recipient_id))
        changes.append(
            PlanChange(
                decision_visit_id=visit_id,
                recipient_id=sample.recipient_id,
                kinds=kinds,
                old_carer_ids=sorted(old_carers),
                new_carer_ids=sorted(new_carers),
                old_start=old_start,
                new_start=new_start,
                window_start=sample.window_start,
                window_end=sample.window_end,
            )
        )
    notice = sorted({recipient for kinds, recipient in labelled if "now_late" in kinds})
    kinds_in_order: tuple[ChangeKind, ...] = ("moved", "retimed", "now_late", "unassigned", "added")
    count = {k: sum(1 for kinds, _ in labelled if k in kinds) for k in kinds_in_order}
    return PlanDiff(
        base_plan_id=base_plan_id,
        changes=changes,
        counts=count,
        moved_unaffected=moved_unaffected,
        affected_carer_ids=sorted(affected_carers),
        notice_recipient_ids=notice,
    )
