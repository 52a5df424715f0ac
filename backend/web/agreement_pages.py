"""«Avtalte tider som ikke går opp» (/konsoll/avtalte-tider): for a team and week, the proposals to move
agreed windows with why and what they buy, each accepted (as proposed or edited, with who asked the
recipient, when, how and from which date) or rejected; the staffing advice for what still does not fit (and
its CSV); a printable letter for a recipient without a mobile. Same services as the API; every recipient
listed is access-logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select

from backend.agreements.models import Agreement, AskedHow, ProposalRun, Rejection, TimeProposal
from backend.agreements.service import (
    accept_proposal,
    latest_run,
    proposal_in_scope,
    proposals_of,
    reject_proposal,
)
from backend.agreements.staffing import NOUNS, SHORT_DAYS, advice, needs_of
from backend.audit.service import log_recipient_reads
from backend.auth.service import Principal
from backend.common.enums import Role
from backend.common.localtime import WEEKDAYS, local_date_of
from backend.common.types import utcnow
from backend.db import SessionDep
from backend.errors import DomainError
from backend.kpis.service import week_label
from backend.notices.models import NoticeMessage
from backend.notices.texts import MONTHS
from backend.planning.continuity import week_of
from backend.planning.gather import municipality_settings
from backend.recipients.models import Recipient
from backend.stats.service import parse_iso_week
from backend.teams.service import list_teams
from backend.web.forms import field_errors, posted_as, render, signed_in_as
from backend.web.i18n import translator

router = APIRouter(prefix="/konsoll/avtalte-tider", include_in_schema=False)
ASKED_HOW = {AskedHow.phone: "telefon", AskedHow.visit: "besøk", AskedHow.letter: "brev", AskedHow.sms: "SMS"}
SMS_STATUS = {
    "pending": "venter på sending",
    "sending": "sendes",
    "uncertain": "sendes",
    "accepted": "sendt",
    "delivered": "levert",
    "failed": "feilet",
    "expired": "ikke sendt i tide",
}
SAVED = {"godtatt": "Endringen er lagret.", "avvist": "Forslaget er avvist; tiden står."}
# the texts these pages put in through variables, for the nynorsk catalogue's check
PAGE_TEXTS = {*ASKED_HOW.values(), *SMS_STATUS.values(), *SAVED.values(), *NOUNS.values()}


def _week(text: str) -> dt.date:
    """The week asked for; next week when none is (agreements are made ahead)."""
    try:
        return parse_iso_week(text)
    except ValueError:
        return week_of(local_date_of(utcnow()))[0] + dt.timedelta(days=7)


def _context(
    session: Session, principal: Principal, team_id: int, monday: dt.date, path: str, **extra: Any
) -> dict[str, Any]:
    teams = list_teams(session, principal=principal)
    team = next((t for t in teams if t.id == team_id), teams[0] if teams else None)
    run = latest_run(session, principal=principal, team_id=team.id or 0, monday=monday) if team else None
    proposals = proposals_of(session, run) if run else []
    ids = sorted({p.recipient_id for p in proposals})
    recipients = {r.id: r for r in session.exec(select(Recipient).where(col(Recipient.id).in_(ids)))}
    notice_ids = [p.notice_id for p in proposals if p.notice_id]
    messages = session.exec(select(NoticeMessage).where(col(NoticeMessage.notice_id).in_(notice_ids))).all()
    log_recipient_reads(
        session, principal=principal, recipient_ids=ids, action="read agreed-time proposals", path=path
    )
    session.commit()
    today = local_date_of(utcnow())
    return {
        "principal": principal,
        "teams": teams,
        "team": team,
        "monday": monday,
        "week": week_label(monday),
        "previous": week_label(monday - dt.timedelta(days=7)),
        "next": week_label(monday + dt.timedelta(days=7)),
        "run": run,
        "proposals": proposals,
        "recipients": recipients,
        "sms": {m.notice_id: SMS_STATUS.get(m.status, m.status) for m in messages},
        "nouns": NOUNS,
        "advice": advice(needs_of(run.staffing)) if run else [],
        "short_days": SHORT_DAYS,
        "asked_how": ASKED_HOW,
        "today": today,
        "default_from": max(monday, today + dt.timedelta(days=1)),
        "errors": {},
        "values": {},
        "failed_id": None,
        "message": "",
        **extra,
    }


@router.get("", response_class=HTMLResponse)
def proposals_page(
    request: Request, session: SessionDep, team_id: int = 0, uke: str = "", lagret: str = ""
) -> Response:
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    message = {"godtatt": "Endringen er lagret.", "avvist": "Forslaget er avvist; tiden står."}.get(
        lagret, ""
    )
    context = _context(session, principal, team_id, _week(uke[:10]), request.url.path, message=message)
    return render(request, "console_agreements.html", context)


def _back(proposal: TimeProposal, session: Session, done: str) -> Response:
    run = session.get(ProposalRun, proposal.run_id)
    week = week_label(run.monday) if run else ""
    return RedirectResponse(
        f"/konsoll/avtalte-tider?team_id={proposal.team_id}&uke={week}&lagret={done}#forslag-{proposal.id}",
        status_code=303,
    )


def _proposal_or_404(session: Session, principal: Principal, proposal_id: int) -> TimeProposal | Response:
    try:
        if 0 < proposal_id < 2**31:
            return proposal_in_scope(session, principal=principal, proposal_id=proposal_id)
    except DomainError:
        pass
    return HTMLResponse(
        "<h1>Finnes ikke</h1><p>Forslaget finnes ikke, eller hører ikke til dine team.</p>", status_code=404
    )


def _agreement_of(form: Any) -> dict[str, Any]:
    values = {
        k: str(form.get(k, "")).strip()
        for k in ("asked_by", "asked_on", "asked_how", "valid_from", "window_start", "window_end")
    }
    return {**{k: v or None for k, v in values.items()}, "notify": form.get("notify") == "on"}


async def _posted_about_proposal(
    request: Request, session: Session, proposal_id: int
) -> tuple[Principal, TimeProposal, Any] | Response:
    """A form posted about one proposal: the coordinator, the proposal within their teams and the form with
    its token checked; otherwise the answer to give (login, 403, 404 without a name, expired form)."""
    posted = await posted_as(request, session, Role.coordinator)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    proposal = _proposal_or_404(session, principal, proposal_id)
    return proposal if isinstance(proposal, Response) else (principal, proposal, form)


def _refused(
    request: Request,
    session: Session,
    principal: Principal,
    proposal: TimeProposal,
    exc: ValidationError | DomainError,
    values: dict[str, Any],
) -> Response:
    """The page again with the error beside the field of the proposal's form, nothing saved."""
    session.rollback()
    run = session.get(ProposalRun, proposal.run_id)
    context = _context(
        session,
        principal,
        proposal.team_id,
        run.monday if run else _week(""),
        request.url.path,
        errors=field_errors(exc),
        values=values,
        failed_id=proposal.id,
    )
    status = exc.status_code if isinstance(exc, DomainError) else 422
    return render(request, "console_agreements.html", context, status_code=status)


@router.post("/forslag/{proposal_id}/godta", response_class=HTMLResponse)
async def accept(proposal_id: int, request: Request, session: SessionDep) -> Response:
    posted = await _posted_about_proposal(request, session, proposal_id)
    if isinstance(posted, Response):
        return posted
    principal, proposal, form = posted
    values = _agreement_of(form)
    try:
        accept_proposal(
            session,
            principal=principal,
            proposal_id=proposal_id,
            data=Agreement.model_validate(values),
            now=utcnow(),
            settings=request.app.state.settings,
            path=request.url.path,
        )
    except (ValidationError, DomainError) as exc:
        return _refused(request, session, principal, proposal, exc, values)
    return _back(proposal, session, "godtatt")


@router.post("/forslag/{proposal_id}/avvis", response_class=HTMLResponse)
async def reject(proposal_id: int, request: Request, session: SessionDep) -> Response:
    posted = await _posted_about_proposal(request, session, proposal_id)
    if isinstance(posted, Response):
        return posted
    principal, proposal, form = posted
    try:
        reason = str(form.get("reason", "")).strip() or None
        reject_proposal(
            session, principal=principal, proposal_id=proposal_id, data=Rejection(reason=reason), now=utcnow()
        )
    except (ValidationError, DomainError) as exc:
        return _refused(request, session, principal, proposal, exc, {})
    return _back(proposal, session, "avvist")


@router.get("/forslag/{proposal_id}/brev", response_class=HTMLResponse)
def letter(proposal_id: int, request: Request, session: SessionDep) -> Response:
    """The agreed change as a letter, in the recipient's language, for one without a mobile."""
    principal = signed_in_as(request, session, Role.coordinator)
    if isinstance(principal, Response):
        return principal
    proposal = _proposal_or_404(session, principal, proposal_id)
    if isinstance(proposal, Response):
        return proposal
    if proposal.valid_from is None or proposal.agreed_start is None:
        return HTMLResponse(
            "<h1>Ikke godtatt</h1><p>Brev skrives når brukeren har sagt ja til endringen.</p>",
            status_code=409,
        )
    recipient = session.get(Recipient, proposal.recipient_id)
    log_recipient_reads(
        session,
        principal=principal,
        recipient_ids=[proposal.recipient_id],
        action="read agreed-time letter",
        path=request.url.path,
    )
    session.commit()
    language = recipient.language.value if recipient else "nb"
    return render(
        request,
        "console_agreement_letter.html",
        {
            "proposal": proposal,
            "recipient": recipient,
            "municipality": municipality_settings(session),
            "letter_": translator(language),
            "letter_lang": language,
            "weekday": WEEKDAYS[proposal.valid_from.weekday()],
            "month": MONTHS[proposal.valid_from.month - 1],
            "asked_how": ASKED_HOW,
        },
    )
