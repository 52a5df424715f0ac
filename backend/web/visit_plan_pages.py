"""The recipient's weekly besøksplan in the console (/konsoll/brukere/{id}/besoksplan?uke=2026-W49): a
printable page of the week's published visits at their expected times, for the recipient's fridge door.
Access-logged like every page that shows a recipient."""

from __future__ import annotations

import datetime as dt
import html

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from backend.common.localtime import WEEKDAYS, local_date_of
from backend.common.types import utcnow
from backend.db import SessionDep
from backend.kpis.service import week_label
from backend.planning.continuity import week_of
from backend.planning.gather import municipality_settings
from backend.planning.visit_plan import visit_plan
from backend.stats.service import parse_iso_week
from backend.web.forms import render
from backend.web.recipient_pages import log_and_commit, viewed_recipient

router = APIRouter(prefix="/konsoll/brukere", include_in_schema=False)


@router.get("/{recipient_id}/besoksplan", response_class=HTMLResponse)
def visit_plan_page(
    recipient_id: int, request: Request, session: SessionDep, uke: str = Query("", max_length=10)
) -> Response:
    """This week's plan (next week's from Saturday, when this week's is nearly over)."""
    viewed = viewed_recipient(request, session, recipient_id)
    if isinstance(viewed, Response):
        return viewed
    principal, recipient = viewed
    today = local_date_of(utcnow())
    try:
        monday = parse_iso_week(uke) if uke else week_of(today)[0]
    except ValueError as exc:
        return HTMLResponse(f"<h1>Ugyldig uke</h1><p>{html.escape(str(exc))}</p>", status_code=422)
    if not uke and today.weekday() >= 5:
        monday += dt.timedelta(days=7)
    place = municipality_settings(session)
    visits = visit_plan(
        session, recipient_id=recipient_id, monday=monday, carer_names=place.visit_plan_carer_names
    )
    log_and_commit(session, principal, request, [recipient_id], "read visit plan")
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    return render(
        request,
        "console_visit_plan.html",
        {
            "recipient": recipient,
            "municipality": place,
            "week": monday.isocalendar().week,
            "days": [(day, [v for v in visits if v.date == day]) for day in days],
            "weekdays": WEEKDAYS,
            "previous": week_label(monday - dt.timedelta(days=7)),
            "next": week_label(monday + dt.timedelta(days=7)),
        },
    )
