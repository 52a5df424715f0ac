"""Help from the team next door during the day: after a re-plan (a sick call, an urgent visit) the visits the
team has no room for are offered to the neighbouring teams' published plans of the shift.

The same rule as when the day is planned (backend.planning.lending, municipality setting
`lend_across_teams`): single, unlinked visits left out for capacity, nearest team first, taken only where
every visit the host has on time stays on time (routing.strategies.take_in), on the host's rest of the day
as a hand edit sees it (what is done or in progress stays; each carer from where they are). Each host that
takes visits gets a new draft of its plan (its diff shows them added); the coordinator publishes it with
the re-plan. Only teams the coordinator plans for are asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from backend.auth.service import team_ids_of
from backend.common.enums import PlanStatus
from backend.common.localtime import local_midnight
from backend.decisions.expansion import DayVisit, visits_for
from backend.planning import solver_pool
from backend.planning.edits import as_stored
from backend.planning.flows import RestOfDay, StatusReader, replan, rest_of_day
from backend.planning.gather import municipality_settings, team_distance_km
from backend.planning.lending import (
    LENDABLE_REASONS,
    borrowed_issue,
    lent_issue,
    may_lend,
    restated,
    take_in_retimed,
)
from backend.planning.models import Plan
from backend.planning.service import routes_of
from backend.planning.store import store_plan
from backend.planning.translate import shift_of, visit_keys
from backend.rota.models import Absence
from backend.settings import Settings
from backend.teams.models import Team
from routing import SolveParams


@dataclass
class Helped:
    """A re-plan's draft, and the drafts of the teams that took visits it had no room for."""

    plan: Plan
    helpers: list[Plan] = field(default_factory=list)


def replan_with_help(
    session: Session,
    *,
    plan_id: int,
    from_time: dt.datetime,
    created_by: int | None,
    status_of: StatusReader,
    settings: Settings,
) -> Helped:
    """`flows.replan`, then what it left out for capacity offered to the neighbouring teams."""
    plan = replan(
        session,
        plan_id=plan_id,
        from_time=from_time,
        created_by=created_by,
        status_of=status_of,
        settings=settings,
    )
    helped = Helped(plan)
    if not municipality_settings(session).lend_across_teams:
        return helped
    waiting = _waiting(session, plan)
    for host in _hosts(session, plan, created_by, from_time) if waiting else []:
        draft, taken = _offer(session, host, waiting, from_time, status_of, settings, created_by)
        if draft is None:
            continue
        helped.helpers.append(draft)
        waiting = [v for v in waiting if v not in taken]
        _note_lent(session, plan, taken, host)
        if not waiting:
            break
    return helped


def _waiting(session: Session, plan: Plan) -> list[DayVisit]:
    """The plan's visits left out for capacity that one carer of another team could take on their own (not
    those it keeps as done, started or passed)."""
    short = {u.decision_visit_id for u in plan.unassigned_visits() if u.reason in LENDABLE_REASONS}
    short -= {stop.decision_visit_id for _, stops in routes_of(session, plan.id or 0) for stop in stops}
    return [
        v
        for v in visits_for(session, day=plan.date, team_id=plan.team_id)
        if v.decision_visit_id in short and shift_of(v) == plan.shift_kind and may_lend(v)
    ]


def _hosts(session: Session, plan: Plan, created_by: int | None, from_time: dt.datetime) -> list[Plan]:
    """The other teams' published plans of the shift, the nearest team first: only teams the coordinator
    plans for, and not a plan with a carer absent from now on (it needs its own re-plan first)."""
    allowed = None if created_by is None else team_ids_of(session, created_by)
    hosts = list(
        session.exec(
            select(Plan).where(
                Plan.date == plan.date,
                Plan.shift_kind == plan.shift_kind,
                Plan.team_id != plan.team_id,
                Plan.status == PlanStatus.published,
            )
        )
    )
    hosts = [
        h
        for h in hosts
        if (allowed is None or h.team_id in allowed) and not _has_absent_carer(session, h, from_time)
    ]
    own = session.get(Team, plan.team_id)
    teams = {t.id: t for t in session.exec(select(Team).where(col(Team.id).in_([h.team_id for h in hosts])))}
    return sorted(hosts, key=lambda h: team_distance_km(own, teams[h.team_id]) if own else 0.0)


def _has_absent_carer(session: Session, plan: Plan, from_time: dt.datetime) -> bool:
    """A carer of the plan with visits still ahead is reported absent from now on."""
    carers = [
        route.carer_id
        for route, stops in routes_of(session, plan.id or 0)
        if any(stop.planned_start >= from_time for stop in stops)
    ]
    absent = session.exec(
        select(Absence.id).where(
            col(Absence.carer_id).in_(carers),
            Absence.end > from_time,
            Absence.start < local_midnight(plan.date + dt.timedelta(days=1)),
        )
    ).first()
    return absent is not None


def _offer(
    session: Session,
    host: Plan,
    waiting: Sequence[DayVisit],
    from_time: dt.datetime,
    status_of: StatusReader,
    settings: Settings,
    created_by: int | None,
) -> tuple[Plan | None, list[DayVisit]]:
    """A new draft of `host` with the visits of `waiting` it takes in (None when it takes none)."""

    def framed(visits: Sequence[DayVisit]) -> RestOfDay:
        return rest_of_day(
            session,
            base=host,
            from_time=from_time,
            status_of=status_of,
            settings=settings,
            pin_unaffected=False,
            taken_in=visits,
        )

    frame = framed(waiting)
    if frame.inp.problem is None:
        return None, []
    before, _ = as_stored(session, frame, host)
    params = SolveParams(weights=before.weights)
    lent = [k for v in waiting for k in visit_keys(v)]
    plan = solver_pool.submit(
        settings.plan_workers, take_in_retimed, frame.inp.problem, before, lent, params
    ).result()
    if plan is None:
        return None, []
    routed = {s.visit_id for r in plan.routes for s in r.stops}
    taken = [v for v in waiting if all(k in routed for k in visit_keys(v))]
    if not taken:
        return None, []
    if len(taken) < len(waiting):
        frame = framed(taken)
    assert frame.inp.problem is not None
    plan, bound = solver_pool.submit(
        settings.plan_workers, restated, frame.inp.problem, plan, params
    ).result()
    origin = session.get(Team, taken[0].team_id)
    frame.inp.issues.append(borrowed_issue(len(taken), origin.name if origin else "et annet team"))
    draft = store_plan(
        session, frame.inp, plan, created_by=created_by, base=host, fixed=frame.kept.fixed, bound=bound
    )
    return draft, taken


def _note_lent(session: Session, plan: Plan, taken: Sequence[DayVisit], host: Plan) -> None:
    """The re-plan's draft no longer lists the visits another team took as unassigned, and says where they
    went."""
    gone = {v.decision_visit_id for v in taken}
    team = session.get(Team, host.team_id)
    plan.unassigned = [u for u in plan.unassigned if u.get("decision_visit_id") not in gone]
    plan.issues = [
        *plan.issues,
        lent_issue(len(taken), team.name if team else "et annet team").as_dict(),
    ]
    session.add(plan)
    session.commit()
