"""Proposal runs and the coordinator's decisions on them: accept (the recipient agreed; the vedtak changes
from a date, an access-log row, and an SMS where wanted), edit (accept another window) or reject."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace

from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.agreements.models import (
    Agreement,
    ProposalPublic,
    ProposalRun,
    ProposalRunPublic,
    ProposalStatus,
    Rejection,
    TimeProposal,
)
from backend.agreements.proposals import Proposal, propose
from backend.agreements.staffing import staffing_needs
from backend.agreements.trial_week import Occurrence, plan_trial_weeks
from backend.audit.service import log_recipient_reads
from backend.auth.service import Principal
from backend.common.crud import get_or_404
from backend.common.enums import Role
from backend.common.localtime import local_date_of
from backend.decisions.service import move_visit_window
from backend.errors import Conflict, InvalidInput, NotFound
from backend.notices.agreed_times import queue_agreed_time
from backend.recipients.models import Recipient
from backend.settings import Settings
from backend.teams.models import Team
from backend.teams.service import team_in_scope


def make_proposals(
    session: Session, *, team_id: int, monday: dt.date, settings: Settings, created_by: int | None
) -> ProposalRun:
    """One team's run (make_team_proposals)."""
    (run,) = make_team_proposals(
        session, team_ids=[team_id], monday=monday, settings=settings, created_by=created_by
    )
    return run


def make_team_proposals(
    session: Session, *, team_ids: list[int], monday: dt.date, settings: Settings, created_by: int | None
) -> list[ProposalRun]:
    """A new run for each team's week: the trial with the agreed windows, the proposals, a second trial with
    all of them to measure what they buy (proposals gaining nothing there are dropped), the staffing advice
    for what still does not fit. Earlier open proposals for the same team and week are replaced. The teams'
    trials are solved together (one team's wait is another's solve)."""
    began = time.monotonic()
    teams = [get_or_404(session, Team, tid, "Team") for tid in team_ids]
    system = Principal(created_by or 0, "forslag", Role.coordinator, frozenset(team_ids), None)
    first = plan_trial_weeks(session, teams=teams, monday=monday, settings=settings)
    proposals = {tid: propose(session, system, first[tid]) for tid in team_ids}
    windows = {p.decision_visit_id: p.proposed for found in proposals.values() for p in found}
    second = (
        plan_trial_weeks(
            session,
            teams=teams,
            monday=monday,
            settings=settings,
            windows=windows,
            probe=False,
            earlier=first,
        )
        if windows
        else first
    )
    seconds = round(time.monotonic() - began, 1)
    runs = [
        _store_run(session, tid, monday, created_by, first[tid], second[tid], proposals[tid], seconds)
        for tid in team_ids
    ]
    session.commit()
    for run in runs:
        session.refresh(run)
    return runs


def _store_run(
    session: Session,
    team_id: int,
    monday: dt.date,
    created_by: int | None,
    first: list[Occurrence],
    second: list[Occurrence],
    proposals: list[Proposal],
    seconds: float,
) -> ProposalRun:
    """The run with the proposals that gained days in the second trial, replacing the week's open ones."""
    on_time_after: dict[int, int] = {}
    for o in second:
        on_time_after[o.visit.decision_visit_id] = on_time_after.get(o.visit.decision_visit_id, 0) + o.on_time
    kept = [replace(p, days_after=on_time_after.get(p.decision_visit_id, 0)) for p in proposals]
    kept = [p for p in kept if p.days_after > p.days_before]
    session.execute(
        update(TimeProposal)
        .where(
            col(TimeProposal.team_id) == team_id,
            col(TimeProposal.status) == ProposalStatus.proposed,
            col(TimeProposal.run_id).in_(select(ProposalRun.id).where(ProposalRun.monday == monday)),
        )
        .values(status=ProposalStatus.replaced)
    )
    run = ProposalRun(
        team_id=team_id,
        monday=monday,
        created_by=created_by,
        visits=len(second),
        within_before=sum(o.on_time for o in first),
        within_after=sum(o.on_time for o in second),
        staffing=[n.as_dict() for n in staffing_needs([o for o in second if not o.on_time])],
        seconds=seconds,
    )
    session.add(run)
    session.flush()
    session.add_all(_rows(run, kept))
    return run


def _rows(run: ProposalRun, proposals: list[Proposal]) -> list[TimeProposal]:
    return [
        TimeProposal(
            run_id=run.id or 0,
            team_id=run.team_id,
            recipient_id=p.recipient_id,
            decision_visit_id=p.decision_visit_id,
            label=p.label,
            current_start=p.current[0],
            current_end=p.current[1],
            proposed_start=p.proposed[0],
            proposed_end=p.proposed[1],
            reason=p.reason,
            days=p.days,
            days_before=p.days_before,
            days_after=p.days_after,
        )
        for p in proposals
    ]


def latest_run(
    session: Session, *, principal: Principal, team_id: int, monday: dt.date
) -> ProposalRun | None:
    team_in_scope(session, principal=principal, team_id=team_id)
    return session.exec(
        select(ProposalRun)
        .where(ProposalRun.team_id == team_id, ProposalRun.monday == monday)
        .order_by(col(ProposalRun.id).desc())
    ).first()


def proposals_of(session: Session, run: ProposalRun) -> list[TimeProposal]:
    """The run's proposals, and those of earlier runs of the week already decided (history stays)."""
    return list(
        session.exec(
            select(TimeProposal)
            .join(ProposalRun, col(ProposalRun.id) == TimeProposal.run_id)
            .where(ProposalRun.team_id == run.team_id, ProposalRun.monday == run.monday)
            .where(
                (col(TimeProposal.run_id) == run.id) | col(TimeProposal.status).in_(["accepted", "rejected"])
            )
            .order_by(col(TimeProposal.current_start), col(TimeProposal.id))
        )
    )


def run_public(session: Session, run: ProposalRun) -> ProposalRunPublic:
    return ProposalRunPublic(
        **run.model_dump(exclude={"created_by"}),
        proposals=[
            ProposalPublic.model_validate(p, from_attributes=True) for p in proposals_of(session, run)
        ],
    )


def proposal_in_scope(session: Session, *, principal: Principal, proposal_id: int) -> TimeProposal:
    """Another team's proposal is not found: its existence is not told."""
    proposal = session.get(TimeProposal, proposal_id)
    if proposal is None or principal.role != Role.coordinator or proposal.team_id not in principal.team_ids:
        raise NotFound("Forslaget finnes ikke.")
    return proposal


def _decide(session: Session, proposal: TimeProposal, status: ProposalStatus) -> None:
    """Proposed → decided exactly once, also for two coordinators at the same moment."""
    won = session.execute(
        update(TimeProposal)
        .where(col(TimeProposal.id) == proposal.id, col(TimeProposal.status) == ProposalStatus.proposed)
        .values(status=status)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("Forslaget er allerede behandlet.")


def _check_open(proposal: TimeProposal) -> None:
    if proposal.status != ProposalStatus.proposed:
        word = {"accepted": "godtatt", "rejected": "avvist", "replaced": "erstattet av nyere forslag"}
        raise Conflict(f"Forslaget er allerede {word[proposal.status.value]}.")


def accept_proposal(
    session: Session,
    *,
    principal: Principal,
    proposal_id: int,
    data: Agreement,
    now: dt.datetime,
    settings: Settings,
    path: str = "",
) -> TimeProposal:
    """The recipient agreed: the vedtak changes from `valid_from` (earlier weeks keep the old window), the
    agreement is recorded, the recipient's data read is logged and, if wanted and consented, an SMS is
    queued; all in one transaction, once."""
    proposal = proposal_in_scope(session, principal=principal, proposal_id=proposal_id)
    _check_open(proposal)
    today = local_date_of(now)
    if data.valid_from < today:
        raise InvalidInput(
            f"Datoen {data.valid_from:%d.%m.%Y} er passert; velg i dag eller senere.", field="valid_from"
        )
    if data.asked_on > today:
        raise InvalidInput("Brukeren kan ikke være spurt en dato som ikke har vært ennå.", field="asked_on")
    window = (
        (data.window_start, data.window_end)
        if data.window_start is not None and data.window_end is not None
        else (proposal.proposed_start, proposal.proposed_end)
    )
    decision = move_visit_window(
        session,
        principal=principal,
        decision_visit_id=proposal.decision_visit_id,
        window=window,
        valid_from=data.valid_from,
    )
    _decide(session, proposal, ProposalStatus.accepted)
    session.refresh(proposal)
    proposal.decided_at, proposal.decided_by = now, principal.user_id or None
    proposal.agreed_start, proposal.agreed_end = window
    proposal.asked_by, proposal.asked_on, proposal.asked_how = data.asked_by, data.asked_on, data.asked_how
    proposal.valid_from, proposal.new_decision_id = data.valid_from, decision.id
    if data.notify:
        recipient = get_or_404(session, Recipient, proposal.recipient_id, "Bruker")
        notice = queue_agreed_time(
            session,
            key=f"agreed_time:{proposal.id}",
            recipient=recipient,
            old=(proposal.current_start, proposal.current_end),
            new=window,
            valid_from=data.valid_from,
            now=now,
            settings=settings,
        )
        proposal.notice_id = notice.id if notice else None
    session.add(proposal)
    log_recipient_reads(
        session,
        principal=principal,
        recipient_ids=[proposal.recipient_id],
        action="agreed time changed",
        path=path,
    )
    session.commit()
    session.refresh(proposal)
    return proposal


def reject_proposal(
    session: Session, *, principal: Principal, proposal_id: int, data: Rejection, now: dt.datetime
) -> TimeProposal:
    """The recipient (or the coordinator) said no: the agreed window stays; the proposal is kept as decided."""
    proposal = proposal_in_scope(session, principal=principal, proposal_id=proposal_id)
    _check_open(proposal)
    _decide(session, proposal, ProposalStatus.rejected)
    session.refresh(proposal)
    proposal.decided_at, proposal.decided_by, proposal.rejected_reason = (
        now,
        principal.user_id or None,
        data.reason,
    )
    session.add(proposal)
    session.commit()
    session.refresh(proposal)
    return proposal
