"""Koordinatorkonsollet: the fagkoordinator's pages for laying, reviewing, re-planning and publishing a day.

Pages are server-rendered; the buttons that start work (lag kjørelister, planlegg på nytt, publiser) call
the same /api/v1 endpoints as any client, with the session cookie and the CSRF header (console.js).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlmodel import Session, col, select

from backend.agreements.models import ProposalRun
from backend.agreements.staffing import NOUNS, advice, needs_of
from backend.audit.deps import RecipientReads
from backend.auth.service import Principal
from backend.carers.models import Carer
from backend.common.crud import get_or_404
from backend.common.enums import NORWEGIAN_LABELS, PlanStatus, Role, ShiftKind
from backend.common.localtime import local_clock, local_date_of, local_instant, weekday_name
from backend.common.types import MAX_ID, utcnow
from backend.db import SessionDep
from backend.errors import Forbidden
from backend.kpis.service import week_label
from backend.notices.service import notices_of_day
from backend.planning import service
from backend.planning.continuity import week_of, weekly_continuity
from backend.planning.load import LoadSlot, peak_load
from backend.planning.models import Plan, Route, Stop
from backend.planning.networks import network_for
from backend.planning.revisions import stale_reasons
from backend.planning.week import team_week
from backend.recipients.models import Recipient
from backend.rota.models import Absence
from backend.teams.models import Team
from backend.teams.service import list_teams, team_in_scope
from backend.visits.status import stop_views
from backend.web.router import TEMPLATES, principal_or_none
from maps import MapError, Point, route_geometry
from maps.render import MapRoute, MapStop, MapUnassigned, plan_map

router = APIRouter(prefix="/konsoll", include_in_schema=False)
STATIC_DIR = Path(__file__).parent / "static"
SHIFT_LABELS = {ShiftKind.day: "dagvakt", ShiftKind.evening: "kveldsvakt", ShiftKind.night: "nattvakt"}
PX_PER_MINUTE = 2.0


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


def _coordinator(request: Request, session: Session) -> Principal | None:
    principal = principal_or_none(request, session)
    if principal is not None and principal.role != Role.coordinator:
        raise Forbidden("Konsollet er for fagkoordinatorer.")
    return principal


def _login() -> Response:
    return RedirectResponse("/login", status_code=303)


@router.get("", response_class=HTMLResponse)
def console_home(
    request: Request,
    session: SessionDep,
    date: dt.date | None = Query(None),
    shift: ShiftKind = Query(ShiftKind.day),
) -> Response:
    principal = _coordinator(request, session)
    if principal is None:
        return _login()
    day = date or local_date_of(utcnow())
    teams = list_teams(session, principal=principal)
    plans = [
        p
        for p in service.list_plans(session, principal=principal, day=day, team_id=None)
        if p.shift_kind == shift
    ]
    names = {t.id: t.name for t in teams}
    notices = notices_of_day(session, principal=principal, day=day)
    recipients = {
        r.id or 0: r.name
        for r in session.exec(
            select(Recipient).where(col(Recipient.id).in_({n.recipient_id for n in notices}))
        )
    }
    RecipientReads(session, principal, request.url.path)(recipients, "read notices")
    return TEMPLATES.TemplateResponse(
        request,
        "console_home.html",
        {
            "principal": principal,
            "day": day,
            "shift": shift,
            "shifts": SHIFT_LABELS,
            "teams": teams,
            "plans": sorted(plans, key=lambda p: (names.get(p.team_id, ""), -(p.id or 0))),
            "team_names": names,
            "status_labels": NORWEGIAN_LABELS,
            "notices": notices,
            "recipient_names": recipients,
            "notice_status": NOTICE_STATUS,
            "clock": local_clock,
        },
    )


NOTICE_STATUS = {
    "pending": "venter",
    "sending": "sendes",
    "accepted": "sendt",
    "delivered": "levert",
    "failed": "feilet",
    "expired": "utløpt",
    "uncertain": "uviss (venter på rapport)",
    "merged": "i samme SMS som brukerens andre besøk",
}


@dataclass(frozen=True)
class Bar:
    """One block on a carer's timeline, positioned in minutes from the timeline's start."""

    kind: str  # visit | travel | wait | break | window
    left: float
    width: float
    title: str
    late: bool = False
    stop_seq: int | None = None
    stop_id: int | None = None
    label: str = ""  # the recipient's name, shown on the bar
    fixed: bool = False  # done or in progress when re-planned: not movable
    pinned: bool = False  # «Fest»: stays with the carer when the rest is optimised


@dataclass(frozen=True)
class TimelineRow:
    carer_id: int
    carer_name: str
    bars: Sequence[Bar]
    visits: int
    travel_minutes: int
    idle_note: str = ""


def _idle_note(route: Route, carer: Carer | None) -> str:
    """Why a carer on the plan has no visits, in the facts a coordinator checks: the shift (after absences),
    the competences and the travel mode the planner had to work with."""
    if carer is None:
        return "Ingen besøk."
    if route.shift_start is None or route.shift_end is None:
        return "Ingen besøk: ikke på vakt i denne planen (fravær eller ikke i turnus)."
    competences = ", ".join(carer.competences) or "ingen registrert"
    mode = NORWEGIAN_LABELS.get(carer.transport_mode.value, carer.transport_mode.value)
    return (
        f"Ingen besøk: vakt {local_clock(route.shift_start)}–{local_clock(route.shift_end)}, "
        f"kompetanse {competences}, {mode}. Sjekk om besøkene krever annen kompetanse eller ligger utenfor vakten."
    )


def _px(start: dt.datetime, end: dt.datetime, origin: dt.datetime) -> tuple[float, float]:
    left = (start - origin).total_seconds() / 60 * PX_PER_MINUTE
    return left, max((end - start).total_seconds() / 60 * PX_PER_MINUTE, 2.0)


def _timeline(
    routes: list[tuple[Route, list[Stop]]],
    carers: dict[int, Carer],
    people: dict[int, Recipient],
    origin: dt.datetime,
) -> list[TimelineRow]:
    rows = []
    now = utcnow()
    for route, stops in routes:
        bars: list[Bar] = []
        for stop in stops:
            name = people[stop.recipient_id].name if stop.recipient_id in people else "?"
            window = f"{local_clock(stop.window_start)}–{local_clock(stop.window_end)}"
            bars.append(
                Bar("window", *_px(stop.window_start, stop.window_end, origin), f"Avtalt {window}: {name}")
            )
            travel_start = stop.planned_arrival - dt.timedelta(seconds=stop.travel_seconds)
            if stop.travel_seconds:
                bars.append(
                    Bar(
                        "travel",
                        *_px(travel_start, stop.planned_arrival, origin),
                        f"Reise {stop.travel_seconds // 60} min",
                    )
                )
            if stop.planned_start > stop.planned_arrival:
                minutes = int((stop.planned_start - stop.planned_arrival).total_seconds() // 60)
                bars.append(
                    Bar(
                        "wait",
                        *_px(stop.planned_arrival, stop.planned_start, origin),
                        f"Venter {minutes} min",
                    )
                )
            late = stop.lateness_seconds > 0  # as the solver (or the hand-laid plan) computed it
            late_text = f", {stop.lateness_seconds // 60} min for sent" if late else ""
            bars.append(
                Bar(
                    "visit",
                    *_px(stop.planned_start, stop.planned_end, origin),
                    f"{local_clock(stop.planned_start)}–{local_clock(stop.planned_end)} {name} (avtalt {window}{late_text})",
                    late=late,
                    stop_seq=stop.seq + 1,
                    stop_id=stop.id,
                    label=name,
                    fixed=stop.fixed or stop.planned_start < now,  # what has passed is not moved
                    pinned=stop.pinned,
                )
            )
        if route.break_start is not None and route.break_minutes:
            end = route.break_start + dt.timedelta(minutes=route.break_minutes)
            bars.append(
                Bar("break", *_px(route.break_start, end, origin), f"Pause {local_clock(route.break_start)}")
            )
        carer = carers.get(route.carer_id)
        rows.append(
            TimelineRow(
                route.carer_id,
                carer.name if carer else str(route.carer_id),
                bars,
                len(stops),
                sum(s.travel_seconds for s in stops) // 60,
                "" if stops else _idle_note(route, carer),
            )
        )
    return rows


def _staffing_for(session: Session, plan: Plan) -> dict[str, Any]:
    """The staffing advice of the latest agreed-time run for the plan's week, for this weekday and shift:
    the lines under the peak-load chart and the carers missing per slot."""
    monday = week_of(plan.date)[0]
    run = session.exec(
        select(ProposalRun)
        .where(ProposalRun.team_id == plan.team_id, ProposalRun.monday == monday)
        .order_by(col(ProposalRun.id).desc())
    ).first()
    needs = [
        n
        for n in needs_of(run.staffing if run else [])
        if n.weekday == plan.date.isoweekday() and n.shift_kind == plan.shift_kind.value
    ]
    missing: dict[str, int] = {}
    for need in needs:
        missing[need.slot] = missing.get(need.slot, 0) + need.carers
    return {"lines": advice(needs), "missing": missing, "week": week_label(monday), "nouns": NOUNS}


def _plan_context(session: Session, principal: Principal, plan: Plan) -> dict[str, Any]:
    routes = service.routes_of(session, plan.id or 0)
    carer_ids = {r.carer_id for r, _ in routes}
    carers = {c.id or 0: c for c in session.exec(select(Carer).where(col(Carer.id).in_(carer_ids)))}
    left_out = plan.unassigned_visits()
    never_on_time = plan.plan_stats().cannot_be_on_time
    recipient_ids = (
        {s.recipient_id for _, stops in routes for s in stops}
        | {u.recipient_id for u in left_out}
        | {c.recipient_id for c in never_on_time}
    )
    people = {
        r.id or 0: r for r in session.exec(select(Recipient).where(col(Recipient.id).in_(recipient_ids)))
    }
    team = get_or_404(session, Team, plan.team_id, "Team")
    slots: list[LoadSlot] = peak_load(
        session, day=plan.date, shift_kind=plan.shift_kind, team=team, plan=plan
    )
    origin = slots[0].start
    hours = [
        (i * 60 * PX_PER_MINUTE, local_clock(origin + dt.timedelta(hours=i)))
        for i in range(len(slots) // 2 + 1)
    ]
    continuity = weekly_continuity(session, team_id=plan.team_id, day=plan.date, extra_plan_id=plan.id)
    RecipientReads(session, principal, f"/konsoll/planer/{plan.id}")(
        sorted(recipient_ids | {r.recipient_id for r in continuity}), "read plan (konsoll)"
    )
    diff = plan.plan_diff()
    changes = [
        {
            **change.model_dump(),
            "name": people[change.recipient_id].name if change.recipient_id in people else "",
            "old_carers": ", ".join(carers[c].name for c in change.old_carer_ids if c in carers),
            "new_carers": ", ".join(carers[c].name for c in change.new_carer_ids if c in carers),
            "window": f"{local_clock(change.window_start)}–{local_clock(change.window_end)}",
            "old_clock": local_clock(change.old_start) if change.old_start else "–",
            "new_clock": local_clock(change.new_start) if change.new_start else "–",
        }
        for change in (diff.changes if diff else [])
    ]
    unassigned = [
        {
            **u.model_dump(),
            "name": people[u.recipient_id].name if u.recipient_id in people else "",
            "window": f"{local_clock(u.window_start)}–{local_clock(u.window_end)}",
        }
        for u in left_out
    ]
    max_need = max([s.need_carers for s in slots] + [s.carers_on_shift for s in slots] + [1])
    return {
        "principal": principal,
        "plan": plan,
        "team": team,
        "shift_label": SHIFT_LABELS[plan.shift_kind],
        "status_labels": NORWEGIAN_LABELS,
        "timeline": _timeline(routes, carers, people, origin),
        "timeline_width": len(slots) * 30 * PX_PER_MINUTE,
        "hours": hours,
        "origin": origin,
        "slots": slots,
        "max_need": max_need,
        "unassigned": unassigned,
        "cannot_be_on_time": [
            {"name": people[c.recipient_id].name if c.recipient_id in people else "", **c.model_dump()}
            for c in never_on_time
        ],
        "changes": changes,
        "notice_names": [people[r].name for r in (diff.notice_recipient_ids if diff else []) if r in people],
        "diff": diff,
        "continuity": continuity,
        "carers": sorted(carers.values(), key=lambda c: c.name),
        "recipients": sorted((p for p in people.values() if p.team_id == plan.team_id), key=lambda p: p.name),
        "base": session.get(Plan, plan.base_plan_id) if plan.base_plan_id else None,
        "staffing": _staffing_for(session, plan),
    }


@router.get("/uke", response_class=HTMLResponse)
def week_page(
    request: Request,
    session: SessionDep,
    team_id: int | None = Query(None, ge=1, le=MAX_ID),
    date: dt.date | None = Query(None),
) -> Response:
    principal = _coordinator(request, session)
    if principal is None:
        return _login()
    teams = list_teams(session, principal=principal)
    if not teams:
        raise Forbidden("Du har ingen team.")
    team = team_in_scope(session, principal=principal, team_id=team_id or teams[0].id or 0)
    start = date or local_date_of(utcnow())
    return TEMPLATES.TemplateResponse(
        request,
        "console_week.html",
        {
            "principal": principal,
            "team": team,
            "teams": teams,
            "start": start,
            "rows": team_week(session, team=team, start=start),
            "shifts": SHIFT_LABELS,
            "status_labels": NORWEGIAN_LABELS,
            "weekday": weekday_name,
        },
    )


@router.get("/planer/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: int, request: Request, session: SessionDep) -> Response:
    principal = _coordinator(request, session)
    if principal is None:
        return _login()
    plan = service.plan_in_scope(session, principal=principal, plan_id=plan_id)
    context = _plan_context(session, principal, plan)
    context["clock"] = local_clock
    context["now_clock"] = local_clock(utcnow()) if plan.date == local_date_of(utcnow()) else None
    context["stale_reasons"] = stale_reasons(session, plan) if plan.status == PlanStatus.draft else []
    context["editable"] = plan.status != PlanStatus.superseded and plan.date >= local_date_of(utcnow())
    context["px_per_minute"] = PX_PER_MINUTE
    context["live"] = plan.status == PlanStatus.published and plan.date == local_date_of(utcnow())
    context["stand_in_links"] = _stand_in_links(session, plan) if context["editable"] else {}
    return TEMPLATES.TemplateResponse(request, "console_plan.html", context)


def _stand_in_links(session: Session, plan: Plan) -> dict[int, int]:
    """Absent carer → their absence on the plan's day, for «Finn vikar» beside «… er borte»."""
    absent = [i["carer_id"] for i in plan.issues if i.get("kind") == "absent" and i.get("carer_id")]
    start = local_instant(plan.date, dt.time())
    rows = session.exec(
        select(Absence)
        .where(col(Absence.carer_id).in_(absent), Absence.start < start + dt.timedelta(days=1))
        .where(Absence.end > start)
        .order_by(col(Absence.start))
    )
    return {a.carer_id: a.id or 0 for a in rows}


@router.get("/planer/{plan_id}/kart", response_class=HTMLResponse)
def plan_map_page(plan_id: int, request: Request, session: SessionDep) -> Response:
    """The team map: one colour per carer along the real roads, unassigned visits in red."""
    principal = _coordinator(request, session)
    if principal is None:
        return _login()
    plan = service.plan_in_scope(session, principal=principal, plan_id=plan_id)
    routes = service.routes_of(session, plan.id or 0)
    left_out = plan.unassigned_visits()
    ids = {s.recipient_id for _, stops in routes for s in stops} | {u.recipient_id for u in left_out}
    people = {r.id or 0: r for r in session.exec(select(Recipient).where(col(Recipient.id).in_(ids)))}
    carers = {
        c.id or 0: c
        for c in session.exec(select(Carer).where(col(Carer.id).in_({r.carer_id for r, _ in routes})))
    }
    team = get_or_404(session, Team, plan.team_id, "Team")
    base = Point(team.base_lat, team.base_lon, team.base_address)
    map_routes = []
    network = None
    for route, stops in routes:
        carer = carers.get(route.carer_id)
        mode = carer.transport_mode.value if carer else "car"
        network = network_for(request.app.state.settings, mode)
        points = [base, *(Point(people[s.recipient_id].lat, people[s.recipient_id].lon) for s in stops), base]
        try:
            geometry = route_geometry(network, points) if stops else None
        except MapError:
            geometry = None
        map_routes.append(
            MapRoute(
                carer.name if carer else str(route.carer_id),
                [
                    MapStop(
                        people[s.recipient_id].lat,
                        people[s.recipient_id].lon,
                        people[s.recipient_id].address,
                        f"{local_clock(s.window_start)}–{local_clock(s.window_end)}",
                        local_clock(s.planned_start),
                    )
                    for s in stops
                ],
                geometry,
            )
        )
    unassigned = [
        MapUnassigned(
            people[u.recipient_id].lat, people[u.recipient_id].lon, people[u.recipient_id].address, u.message
        )
        for u in left_out
        if u.recipient_id in people
    ]
    RecipientReads(session, principal, request.url.path)(sorted(ids), "read map")
    fmap = plan_map(network or network_for(request.app.state.settings, "car"), map_routes, unassigned)
    return HTMLResponse(fmap.get_root().render())


@dataclass(frozen=True)
class PrintSheet:
    carer: Carer
    route: Route
    stops: list[Any]


def _print_sheets(request: Request, session: Session, plan_id: int, carer_id: int | None) -> Response:
    """Kjørelister for print: each carer's visits with times, address, access notes and tasks, one page
    per carer (one carer, or every carer with visits: «Skriv ut alle»)."""
    principal = _coordinator(request, session)
    if principal is None:
        return _login()
    plan = service.plan_in_scope(session, principal=principal, plan_id=plan_id)
    found = [
        (r, stops)
        for r, stops in service.routes_of(session, plan.id or 0)
        if (r.carer_id == carer_id if carer_id is not None else bool(stops))
    ]
    if not found:
        return HTMLResponse("<p>Ingen kjøreliste å skrive ut i denne planen.</p>", status_code=404)
    sheets = [
        PrintSheet(get_or_404(session, Carer, route.carer_id, "Pleier"), route, stop_views(session, stops))
        for route, stops in found
    ]
    RecipientReads(session, principal, request.url.path)(
        [s.recipient_id for _, stops in found for s in stops], "print kjøreliste"
    )
    return TEMPLATES.TemplateResponse(
        request,
        "console_print.html",
        {
            "plan": plan,
            "team": get_or_404(session, Team, plan.team_id, "Team"),
            "sheets": sheets,
            "shift_label": SHIFT_LABELS[plan.shift_kind],
            "clock": local_clock,
            "weekday": weekday_name(plan.date),
        },
    )


@router.get("/planer/{plan_id}/kjoreliste/{carer_id}", response_class=HTMLResponse)
def print_list(plan_id: int, carer_id: int, request: Request, session: SessionDep) -> Response:
    return _print_sheets(request, session, plan_id, carer_id)


@router.get("/planer/{plan_id}/kjorelister", response_class=HTMLResponse)
def print_all(plan_id: int, request: Request, session: SessionDep) -> Response:
    return _print_sheets(request, session, plan_id, None)
