"""The vedtak on a recipient's page (/konsoll/brukere/{id}/vedtak…): a new vedtak, a stop date, and a change
from a date (the old vedtak ends the day before, the new one starts then: history kept). Same models and
services as the API; errors shown beside the row or field they concern, nothing half-saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from backend.auth.service import Principal
from backend.common.localtime import local_date_of
from backend.common.types import utcnow
from backend.db import SessionDep
from backend.decisions.models import DecisionUpdate, ServiceDecision
from backend.decisions.service import (
    change_decision_from,
    create_decision,
    links_of,
    update_decision,
    visits_of,
)
from backend.errors import DomainError
from backend.recipients.models import Recipient
from backend.web.decision_form import (
    DecisionFormError,
    decision_form_context,
    decision_from_form,
    form_values,
    posted_values,
)
from backend.web.forms import field_errors, render
from backend.web.recipient_pages import (
    log_and_commit,
    posted_about_recipient,
    recipient_context,
    viewed_recipient,
)

router = APIRouter(prefix="/konsoll/brukere", include_in_schema=False)


def _form_errors(exc: DecisionFormError | DomainError | ValidationError) -> dict[str, str]:
    if isinstance(exc, DecisionFormError):
        return exc.errors
    if isinstance(exc, DomainError) and exc.field in ("valid_from", "reference"):
        return {exc.field: exc.message}
    return {"decision": next(iter(field_errors(exc).values()))}


def _saved(recipient_id: int) -> Response:
    return RedirectResponse(f"/konsoll/brukere/{recipient_id}?lagret=1#vedtak", status_code=303)


@router.post("/{recipient_id}/vedtak", response_class=HTMLResponse)
async def add_decision(recipient_id: int, request: Request, session: SessionDep) -> Response:
    """A new vedtak; its visits appear in the two-week preview and in the next plan."""
    posted = await posted_about_recipient(request, session, recipient_id)
    if isinstance(posted, Response):
        return posted
    principal, recipient, form = posted
    try:
        create_decision(session, principal=principal, data=decision_from_form(form, recipient_id))
        log_and_commit(session, principal, request, [recipient_id], "create decision")
    except (DecisionFormError, DomainError) as exc:
        session.rollback()
        context = {
            **recipient_context(session, principal, recipient, {}),
            **decision_form_context(posted_values(form), _form_errors(exc)),
            "saved": False,
        }
        return render(request, "console_recipient.html", context, 422)
    return _saved(recipient_id)


def _decision_of(session: Session, recipient_id: int, decision_id: int) -> ServiceDecision | Response:
    decision = session.get(ServiceDecision, decision_id) if 0 < decision_id < 2**31 else None
    if decision is None or decision.recipient_id != recipient_id:
        return HTMLResponse("<h1>Finnes ikke</h1><p>Vedtaket finnes ikke.</p>", status_code=404)
    return decision


async def _posted_about_decision(
    request: Request, session: Session, recipient_id: int, decision_id: int
) -> tuple[Principal, Recipient, Any, ServiceDecision] | Response:
    """A form posted about one of the recipient's vedtak; otherwise the answer to give (as for the recipient,
    and 404 for a vedtak that is not the recipient's)."""
    posted = await posted_about_recipient(request, session, recipient_id)
    if isinstance(posted, Response):
        return posted
    decision = _decision_of(session, recipient_id, decision_id)
    return decision if isinstance(decision, Response) else (*posted, decision)


@router.post("/{recipient_id}/vedtak/{decision_id}/stopp", response_class=HTMLResponse)
async def end_decision(
    recipient_id: int, decision_id: int, request: Request, session: SessionDep
) -> Response:
    """A vedtak ends: its last day set (its history kept, last month measured against it)."""
    posted = await _posted_about_decision(request, session, recipient_id, decision_id)
    if isinstance(posted, Response):
        return posted
    principal, recipient, form, _ = posted
    try:
        data = DecisionUpdate.model_validate({"valid_to": str(form.get("valid_to", "")) or None})
        update_decision(session, principal=principal, decision_id=decision_id, data=data)
        log_and_commit(session, principal, request, [recipient_id], "stop decision")
    except (ValidationError, DomainError) as exc:
        session.rollback()
        context = {
            **recipient_context(session, principal, recipient, {}),
            "decision_errors": {"decision": next(iter(field_errors(exc).values()))},
            "saved": False,
        }
        return render(request, "console_recipient.html", context, 422)
    return _saved(recipient_id)


def _change_page(
    request: Request,
    principal: Principal,
    recipient: Recipient,
    decision: ServiceDecision,
    form: tuple[dict[str, Any], dict[str, str]],
    status_code: int = 200,
) -> Response:
    values, errors = form
    context = {"principal": principal, "recipient": recipient, "decision": decision}
    return render(
        request,
        "console_decision_change.html",
        {**context, **decision_form_context(values, errors)},
        status_code,
    )


@router.get("/{recipient_id}/vedtak/{decision_id}/endre", response_class=HTMLResponse)
def change_decision_page(
    recipient_id: int, decision_id: int, request: Request, session: SessionDep
) -> Response:
    """The vedtak as agreed today, to be changed from a date (tomorrow unless another is chosen)."""
    viewed = viewed_recipient(request, session, recipient_id)
    if isinstance(viewed, Response):
        return viewed
    principal, recipient = viewed
    decision = _decision_of(session, recipient_id, decision_id)
    if isinstance(decision, Response):
        return decision
    assert decision.id is not None
    values = form_values(decision, visits_of(session, decision.id), links_of(session, decision.id))
    day = dt.timedelta(days=1)
    values["valid_from"] = max(local_date_of(utcnow()) + day, decision.valid_from + day).isoformat()
    log_and_commit(session, principal, request, [recipient_id], "read decision")
    return _change_page(request, principal, recipient, decision, (values, {}))


@router.post("/{recipient_id}/vedtak/{decision_id}/endre", response_class=HTMLResponse)
async def change_decision(
    recipient_id: int, decision_id: int, request: Request, session: SessionDep
) -> Response:
    posted = await _posted_about_decision(request, session, recipient_id, decision_id)
    if isinstance(posted, Response):
        return posted
    principal, recipient, form, decision = posted
    try:
        data = decision_from_form(form, recipient_id)
        change_decision_from(session, principal=principal, decision_id=decision_id, data=data)
        log_and_commit(session, principal, request, [recipient_id], "change decision")
    except (DecisionFormError, DomainError) as exc:
        session.rollback()
        session.refresh(decision)
        return _change_page(
            request, principal, recipient, decision, (posted_values(form), _form_errors(exc)), 422
        )
    return _saved(recipient_id)
