"""What a re-plan changes, shown to the coordinator before publishing.

Visits are matched by their vedtak visit (both halves of a double-staffed visit); a visit is moved when a
carer serving it changed, re-timed when its start moved by at least RETIME_MINUTES, and now late when it
starts after its agreed window (or is no longer planned) although it was on time before. Recipients of now
late visits are flagged for notice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from sqlmodel import Session

from backend.planning.models import Plan, Stop
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
    return {int(str(u["decision_visit_id"])) for u in plan.unassigned}


def plan_diff(
    session: Session, *, base_plan_id: int, new_plan_id: int, affected_carers: Collection[int] = ()
) -> dict[str, object]:
    old, new = _by_visit(session, base_plan_id), _by_visit(session, new_plan_id)
    new_plan = session.get(Plan, new_plan_id)
    unplanned = _unplanned(new_plan) if new_plan else set()
    changes: list[dict[str, object]] = []
    labelled: list[tuple[list[str], int]] = []
    moved_unaffected = 0
    for visit_id in sorted(set(old) | set(new)):
        before, after = old.get(visit_id, []), new.get(visit_id, [])
        sample = (after or before)[0][1]
        old_start = min((s.planned_start for _, s in before), default=None)
        new_start = min((s.planned_start for _, s in after), default=None)
        old_carers, new_carers = {c for c, _ in before}, {c for c, _ in after}
        kinds = []
        if before and after and old_carers != new_carers:
            kinds.append("moved")
            moved_unaffected += len((old_carers - new_carers) - set(affected_carers))
        if old_start and new_start and abs(new_start - old_start) >= dt.timedelta(minutes=RETIME_MINUTES):
            kinds.append("retimed")
        was_on_time = old_start is not None and old_start <= sample.window_end
        late_now = new_start is None or new_start > sample.window_end
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
            {
                "decision_visit_id": visit_id,
                "recipient_id": sample.recipient_id,
                "kinds": kinds,
                "old_carer_ids": sorted(old_carers),
                "new_carer_ids": sorted(new_carers),
                "old_start": old_start.isoformat() if old_start else None,
                "new_start": new_start.isoformat() if new_start else None,
                "window_start": sample.window_start.isoformat(),
                "window_end": sample.window_end.isoformat(),
            }
        )
    notice = sorted({recipient for kinds, recipient in labelled if "now_late" in kinds})
    count = {
        k: sum(1 for kinds, _ in labelled if k in kinds)
        for k in ("moved", "retimed", "now_late", "unassigned", "added")
    }
    return {
        "base_plan_id": base_plan_id,
        "changes": changes,
        "counts": count,
        "moved_unaffected": moved_unaffected,
        "affected_carer_ids": sorted(affected_carers),
        "notice_recipient_ids": notice,
    }
