"""Plans: stored drafts, publishing, and what a carer may see of them.

Solver-made plans come from `flows`; this module stores, lists, publishes and deletes them and lets a
coordinator lay a kjøreliste by hand (as is done today), validated against vedtak and rota. What a carer
sees of a published plan, and each visit's progress, belong to `backend.visits`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.common.crud import get_or_404
from backend.common.enums import PlanStatus
from backend.common.lateness import lateness_seconds
from backend.common.localtime import local_instant
from backend.common.types import utcnow
from backend.decisions.expansion import DayVisit, visits_for
from backend.errors import Conflict, InvalidInput, NotFound, is_busy
from backend.planning.drives import hand_laid_drives
from backend.planning.models import (
    ManualPlanCreate,
    Plan,
    PlanPublic,
    PlanStats,
    Route,
    RoutePublic,
    Stop,
    StopPublic,
)
from backend.planning.revisions import next_revision, same_shift, stale_reasons, stamp_draft
from backend.rota.models import RotaEntry
from backend.settings import Settings
from backend.teams.service import team_in_scope


def plan_in_scope(session: Session, *, principal: Principal, plan_id: int) -> Plan:
    plan = get_or_404(session, Plan, plan_id, "Plan")
    principal.require_team(plan.team_id)
    return plan


def routes_of(session: Session, plan_id: int) -> list[tuple[Route, list[Stop]]]:
    routes = list(session.exec(select(Route).where(Route.plan_id == plan_id).order_by(col(Route.id))))
    route_ids = [r.id for r in routes]
    stops = list(session.exec(select(Stop).where(col(Stop.route_id).in_(route_ids)).order_by(col(Stop.seq))))
    return [(r, [s for s in stops if s.route_id == r.id]) for r in routes]


def to_public(session: Session, plan: Plan) -> PlanPublic:
    assert plan.id is not None
    return PlanPublic(
        **plan.model_dump(exclude={"created_by"}),
        routes=[
            RoutePublic(
                **r.model_dump(exclude={"id", "plan_id"}),
                id=r.id or 0,
                stops=[StopPublic.model_validate(s) for s in stops],
            )
            for r, stops in routes_of(session, plan.id)
        ],
    )


def recipients_in_plan(session: Session, plan_id: int) -> list[int]:
    return [s.recipient_id for _, stops in routes_of(session, plan_id) for s in stops]


def _team_carer_shift(session: Session, data: ManualPlanCreate, r_index: int) -> RotaEntry:
    """The rota entry of a hand-laid route's carer, who must belong to the plan's team (another team's
    carer would then read this team's recipients)."""
    carer_id, field = data.routes[r_index].carer_id, f"routes.{r_index}.carer_id"
    carer = session.get(Carer, carer_id)
    if carer is None or carer.team_id != data.team_id:
        raise InvalidInput(f"Pleier {carer_id} hører ikke til teamet.", field=field)
    shift = session.exec(
        select(RotaEntry).where(
            RotaEntry.carer_id == carer_id,
            RotaEntry.date == data.date,
            RotaEntry.shift_kind == data.shift_kind,
        )
    ).first()
    if shift is None:
        raise InvalidInput(
            f"Pleier {carer_id} har ingen {data.shift_kind.value}-vakt {data.date.isoformat()}.", field=field
        )
    return shift


def create_manual_plan(
    session: Session, *, principal: Principal, data: ManualPlanCreate, settings: Settings | None = None
) -> Plan:
    """Store a hand-laid draft after checking every stop against the day's vedtak and the rota; with the
    settings, its drives on the team's roads (`drives.hand_laid_drives`)."""
    team_in_scope(session, principal=principal, team_id=data.team_id)
    day_visits: dict[int, DayVisit] = {
        v.decision_visit_id: v for v in visits_for(session, day=data.date, team_id=data.team_id)
    }
    seen: dict[int, int] = {}
    late = 0  # stops starting after their agreed window, counted as they are written
    plan = Plan(
        date=data.date,
        team_id=data.team_id,
        shift_kind=data.shift_kind,
        source="manual",
        created_by=principal.user_id,
    )
    stamp_draft(session, plan)
    session.add(plan)
    session.flush()
    assert plan.id is not None
    laid: list[tuple[Route, list[Stop]]] = []
    for r_index, route_in in enumerate(data.routes):
        shift = _team_carer_shift(session, data, r_index)
        route = Route(
            plan_id=plan.id, carer_id=route_in.carer_id, shift_start=shift.start, shift_end=shift.end
        )
        session.add(route)
        session.flush()
        assert route.id is not None
        laid.append((route, []))
        for s_index, stop_in in enumerate(route_in.stops):
            where = f"routes.{r_index}.stops.{s_index}"
            visit = day_visits.get(stop_in.decision_visit_id)
            if visit is None:
                raise InvalidInput(
                    f"Besøk {stop_in.decision_visit_id} hører ikke til teamets vedtak denne dagen.",
                    field=where,
                )
            copies = seen.get(visit.decision_visit_id, 0) + 1
            if copies > (2 if visit.double_staffed else 1):
                raise InvalidInput(
                    f"Besøk {visit.decision_visit_id} er lagt inn for mange ganger.", field=where
                )
            seen[visit.decision_visit_id] = copies
            start = local_instant(data.date, stop_in.planned_start)
            end = start + dt.timedelta(minutes=visit.minutes)
            if start < shift.start or end > shift.end:
                raise InvalidInput(
                    f"Besøk {visit.decision_visit_id} ligger utenfor pleierens vakt.", field=where
                )
            stop = Stop(
                route_id=route.id,
                seq=s_index,
                recipient_id=visit.recipient_id,
                decision_visit_id=visit.decision_visit_id,
                window_start=visit.window_start,
                window_end=visit.window_end,
                planned_arrival=start,
                planned_start=start,
                planned_end=end,
                lateness_seconds=int(lateness_seconds(start, visit.window_end)),
            )
            session.add(stop)
            laid[-1][1].append(stop)
            late += lateness_seconds(start, visit.window_end) > 0
    if settings is not None:
        _add_drives(session, settings, data.team_id, laid)
    plan.stats = PlanStats(
        visits_planned=sum(seen.values()), visits_of_day=len(day_visits), late=late
    ).model_dump(mode="json", exclude_none=True)
    session.add(plan)
    session.commit()
    session.refresh(plan)
    return plan


def _add_drives(
    session: Session, settings: Settings, team_id: int, laid: list[tuple[Route, list[Stop]]]
) -> None:
    """Each hand-laid visit's drive from the place before and each route's drive, where the roads are known."""
    routes = [(route.carer_id, [s.recipient_id for s in stops]) for route, stops in laid]
    drives = hand_laid_drives(session, settings, team_id=team_id, routes=routes)
    if drives is None:
        return
    for route, stops in laid:
        legs, route.travel_seconds = drives[route.carer_id]
        for stop, seconds in zip(stops, legs, strict=True):
            stop.travel_seconds = seconds


class _PublishedMeanwhile(Exception):
    """The draft was published by a concurrent request between reading and writing it."""


def publish_plan(
    session: Session,
    *,
    principal: Principal,
    plan_id: int,
    confirm: bool = False,
    on_publish: Callable[[Session, Plan], object] | None = None,
) -> Plan:
    """Publish a draft; the plan it replaces (same team, date, shift) becomes superseded. `on_publish`
    runs in the same transaction (the notices a re-plan causes are written with the publication). A stale
    draft (`revisions.stale_reasons`) needs `confirm`; of two coordinators publishing at once, one wins and
    the other gets a conflict: the database holds one published plan per team, date and shift."""
    plan = plan_in_scope(session, principal=principal, plan_id=plan_id)
    if plan.status != PlanStatus.draft:
        raise Conflict("Bare utkast kan publiseres.")
    reasons = stale_reasons(session, plan)
    if reasons and not confirm:
        raise Conflict(" ".join(reasons) + " Lag planen på nytt, eller bekreft at du vil publisere likevel.")
    try:
        session.execute(
            update(Plan)
            .where(*same_shift(plan), col(Plan.status) == PlanStatus.published)
            .values(status=PlanStatus.superseded)
        )
        won = session.execute(
            update(Plan)
            .where(col(Plan.id) == plan.id, col(Plan.status) == PlanStatus.draft)
            .values(status=PlanStatus.published, published_at=utcnow(), revision=next_revision(plan))
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            raise _PublishedMeanwhile
        session.refresh(plan)
        if on_publish is not None:
            on_publish(session, plan)
        session.commit()
    except (IntegrityError, OperationalError, _PublishedMeanwhile) as exc:
        session.rollback()
        if isinstance(exc, OperationalError) and not is_busy(exc):
            raise
        raise Conflict(
            "En annen koordinator publiserte en plan for samme team, dato og vakt i samme øyeblikk. "
            "Last siden på nytt og se hvilken plan som gjelder."
        ) from exc
    session.refresh(plan)
    return plan


def pin_stop(
    session: Session,
    *,
    principal: Principal,
    plan_id: int,
    stop_id: int,
    pinned: bool,
    keep_time: bool = False,
) -> Stop:
    """«Fest»: the visit stays with its carer when the rest is optimised (in place: it changes no time)."""
    plan = plan_in_scope(session, principal=principal, plan_id=plan_id)
    if plan.status == PlanStatus.superseded:
        raise Conflict("Planen er erstattet av en nyere; fest besøk i den publiserte planen.")
    stop = session.get(Stop, stop_id)
    route = session.get(Route, stop.route_id) if stop is not None else None
    if stop is None or route is None or route.plan_id != plan.id:
        raise NotFound("Besøket finnes ikke i denne planen.")
    if stop.fixed:
        raise Conflict("Besøket er utført eller påbegynt og ligger fast.")
    stop.pinned = pinned
    stop.pinned_time = pinned and keep_time
    session.add(stop)
    session.commit()
    session.refresh(stop)
    return stop


def delete_draft(session: Session, *, principal: Principal, plan_id: int) -> None:
    plan = plan_in_scope(session, principal=principal, plan_id=plan_id)
    if plan.status != PlanStatus.draft:
        raise Conflict("Publiserte planer kan ikke slettes; lag en ny og publiser den.")
    session.delete(plan)
    session.commit()


def list_plans(session: Session, *, principal: Principal, day: dt.date, team_id: int | None) -> list[Plan]:
    query = (
        select(Plan).where(Plan.date == day, col(Plan.team_id).in_(principal.team_ids)).order_by(col(Plan.id))
    )
    if team_id is not None:
        query = query.where(Plan.team_id == team_id)
    return list(session.exec(query))


def current_route_of(session: Session, *, plan: Plan, carer_id: int) -> tuple[Route, Plan] | None:
    """The carer's route in the plan now published for the same team, date and shift as `plan`."""
    return session.exec(
        select(Route, Plan)
        .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
        .where(Route.carer_id == carer_id, *same_shift(plan), Plan.status == PlanStatus.published)
    ).first()
