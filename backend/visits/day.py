"""The carer's day as the tablet shows it: published routes with a short brief per visit, the partner on a
double-staffed visit, actual progress, live expected times, and the route's map data."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection

from pydantic import BaseModel
from sqlmodel import Session, col, select

from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.common.crud import get_or_404
from backend.common.enums import PlanStatus, ShiftKind
from backend.errors import Conflict, Forbidden
from backend.planning import networks
from backend.planning.models import CarerStopView, Plan, Route, Stop
from backend.settings import Settings
from backend.visits.eta import Eta, EtaStop, expected_starts
from backend.visits.models import VisitEvent
from backend.visits.status import events_by_stop, progress_of, stop_views
from maps import MapError, Point, network_lines, route_geometry

MAP_MARGIN_DEG = 0.004  # about 400 m of roads around the route on the offline base layer


class CarerDayStop(CarerStopView):
    visit_ref: str
    partner_name: str | None = None
    checked_in_at: dt.datetime | None = None
    checked_out_at: dt.datetime | None = None
    expected_start: dt.datetime | None = None
    lateness_minutes: int = 0
    notified: bool = False
    conflict: str = ""


class CarerDayRoute(BaseModel):
    plan_id: int
    route_id: int
    shift_kind: ShiftKind
    published_at: dt.datetime | None
    shift_start: dt.datetime | None
    shift_end: dt.datetime | None
    break_start: dt.datetime | None
    break_minutes: int
    travel_mode: str
    stops: list[CarerDayStop]


class CarerDay(BaseModel):
    date: dt.date
    carer_id: int
    carer_name: str
    revision: str
    computed_at: dt.datetime
    routes: list[CarerDayRoute]


class RouteMap(BaseModel):
    route_id: int
    geometry: dict[str, object] | None
    base_layer: dict[str, object] | None
    message: str = ""


def visit_ref_of(day: dt.date, decision_visit_id: int | None, stop_id: int | None, origin: int | None) -> str:
    """One name for a visit across re-plans and for both halves of a double-staffed visit."""
    if decision_visit_id is not None:
        return f"{day.isoformat()}/dv{decision_visit_id}"
    return f"stop{origin or stop_id}"


def visit_ref(stop: Stop, day: dt.date) -> str:
    return visit_ref_of(day, stop.decision_visit_id, stop.id, stop.origin_stop_id)


def _own_published(session: Session, principal: Principal, day: dt.date) -> list[tuple[Route, Plan]]:
    if principal.carer_id is None:
        raise Forbidden("Innloggingen er ikke knyttet til en pleier.")
    return [
        (route, plan)
        for route, plan in session.exec(
            select(Route, Plan)
            .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
            .where(
                Route.carer_id == principal.carer_id, Plan.date == day, Plan.status == PlanStatus.published
            )
            .order_by(col(Route.shift_start), col(Plan.id))  # the day shift before the evening
        ).all()
    ]


def _revision(pairs: list[tuple[Route, Plan]]) -> str:
    parts = [f"{plan.id}@{plan.published_at}" for _, plan in pairs]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def day_revision(session: Session, *, principal: Principal, day: dt.date) -> str:
    """Changes whenever a coordinator publishes a plan that changes this carer's day (polled by the app)."""
    return _revision(_own_published(session, principal, day))


def route_etas(
    session: Session,
    route: Route,
    stops: list[Stop],
    now: dt.datetime,
    events: dict[int, list[VisitEvent]] | None = None,
) -> list[tuple[Stop, Eta]]:
    """Expected times of a route's visits from the events reported so far (any plan the visit was in)."""
    events = events if events is not None else events_by_stop(session, stops)
    eta_stops = []
    for stop in stops:
        check_in, check_out, cancelled = progress_of(events[stop.id or 0])
        eta_stops.append(
            EtaStop(
                stop_id=stop.id or 0,
                window_end=stop.window_end,
                planned_start=stop.planned_start,
                minutes=max(1, int((stop.planned_end - stop.planned_start).total_seconds() // 60)),
                travel_seconds=stop.travel_seconds,
                checked_in=check_in,
                checked_out=check_out,
                cancelled=cancelled,
            )
        )
    etas = expected_starts(eta_stops, now, break_start=route.break_start, break_minutes=route.break_minutes)
    return list(zip(stops, etas, strict=True))


def _partners(session: Session, plan: Plan, route: Route) -> dict[int, str]:
    """decision visit → the other carer on the same double-staffed visit in this plan."""
    rows = session.exec(
        select(Stop.decision_visit_id, Carer.name)
        .join(Route, Route.id == Stop.route_id)  # type: ignore[arg-type]
        .join(Carer, Carer.id == Route.carer_id)  # type: ignore[arg-type]
        .where(Route.plan_id == plan.id, Route.id != route.id, col(Stop.decision_visit_id).is_not(None))
    ).all()
    return {int(visit_id): name for visit_id, name in rows if visit_id is not None}


def carer_day(
    session: Session,
    *,
    principal: Principal,
    day: dt.date,
    now: dt.datetime,
    noticed: Callable[[Session, Collection[int]], set[str]],
) -> CarerDay:
    """Why: the tablet needs everything for the day in one answer it can keep for when coverage is gone."""
    pairs = _own_published(session, principal, day)
    carer = get_or_404(session, Carer, principal.carer_id or 0, "Pleier")
    routes = []
    for route, plan in pairs:
        stops = list(session.exec(select(Stop).where(Stop.route_id == route.id).order_by(col(Stop.seq))))
        events = events_by_stop(session, stops)  # read once for status, expected times and progress
        views = stop_views(session, stops, events)
        etas = route_etas(session, route, stops, now, events)
        partners = _partners(session, plan, route)
        refs = [visit_ref(s, day) for s in stops]
        notified_refs = noticed(session, {s.recipient_id for s in stops})
        day_stops = []
        for view, (stop, eta), ref in zip(views, etas, refs, strict=True):
            check_in, check_out, _ = progress_of(events[stop.id or 0])
            day_stops.append(
                CarerDayStop(
                    **view.model_dump(),
                    visit_ref=ref,
                    partner_name=partners.get(stop.decision_visit_id or 0) if view.double_staffed else None,
                    checked_in_at=check_in,
                    checked_out_at=check_out,
                    expected_start=eta.expected_start,
                    lateness_minutes=eta.lateness_minutes,
                    notified=ref in notified_refs,
                    conflict=next((e.conflict for e in events[stop.id or 0] if e.conflict), ""),
                )
            )
        routes.append(
            CarerDayRoute(
                plan_id=plan.id or 0,
                route_id=route.id or 0,
                shift_kind=plan.shift_kind,
                published_at=plan.published_at,
                shift_start=route.shift_start,
                shift_end=route.shift_end,
                break_start=route.break_start,
                break_minutes=route.break_minutes,
                travel_mode=carer.transport_mode.value,
                stops=day_stops,
            )
        )
    return CarerDay(
        date=day,
        carer_id=carer.id or 0,
        carer_name=carer.name,
        revision=_revision(pairs),
        computed_at=now,
        routes=routes,
    )


def route_map(session: Session, *, principal: Principal, route_id: int, settings: Settings) -> RouteMap:
    """Route geometry along the roads and the nearby road network as an offline base layer."""
    route = get_or_404(session, Route, route_id, "Kjøreliste")
    plan = get_or_404(session, Plan, route.plan_id, "Plan")
    if route.carer_id != principal.carer_id or plan.status != PlanStatus.published:
        raise Forbidden("Kjørelisten er ikke din publiserte kjøreliste.")
    carer = get_or_404(session, Carer, route.carer_id, "Pleier")
    views = stop_views(
        session, list(session.exec(select(Stop).where(Stop.route_id == route.id).order_by(col(Stop.seq))))
    )
    if not views:
        return RouteMap(route_id=route_id, geometry=None, base_layer=None, message="Ingen besøk.")
    points = [Point(v.lat, v.lon, v.address) for v in views]
    bounds = (
        min(p.lat for p in points) - MAP_MARGIN_DEG,
        min(p.lon for p in points) - MAP_MARGIN_DEG,
        max(p.lat for p in points) + MAP_MARGIN_DEG,
        max(p.lon for p in points) + MAP_MARGIN_DEG,
    )
    try:
        network = networks.network_for(settings, carer.transport_mode.value)
        geometry = route_geometry(network, points) if len(points) > 1 else None
    except (MapError, Conflict) as exc:
        return RouteMap(route_id=route_id, geometry=None, base_layer=None, message=f"Kartet mangler: {exc}")
    return RouteMap(route_id=route_id, geometry=geometry, base_layer=network_lines(network, bounds))
