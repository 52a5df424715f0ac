"""Agreed times that fit: a morning peak of ten visits at 08:00 for two carers gets the fewest moves, a
time-critical visit never moves, a lunch → dinner link keeps its gap after a move, a change accepted from a
date leaves earlier weeks measured against the old window, and the SMS goes once, only with consent and not
in the quiet hours. Demo roads (Helsinki centre), SQLite and PostgreSQL; every re-made plan is checked by
the independent validator (routing.check, in plan_teams)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlmodel import Session, select

from backend.admin.service import create_user
from backend.agreements.models import Agreement, AskedHow, ProposalStatus, TimeProposal
from backend.agreements.service import accept_proposal, make_proposals, proposals_of, reject_proposal
from backend.agreements.staffing import advice, needs_of
from backend.auth.models import UserCreate
from backend.auth.service import Principal
from backend.audit.models import AccessLog
from backend.carers.models import Carer
from backend.common.enums import Role, ShiftKind
from backend.common.localtime import OSLO, local_instant
from backend.decisions.expansion import visits_for
from backend.decisions.models import DecisionCreate, DecisionVisit
from backend.decisions.service import create_decision
from backend.errors import Conflict, InvalidInput, NotFound
from backend.notices.models import Notice, NoticeMessage
from backend.planning.flows import plan_teams
from backend.planning.service import routes_of
from backend.recipients.models import Recipient
from backend.rota.models import RotaEntry
from backend.settings import Settings
from backend.teams.models import Team
from tests.backend.world import PASSWORD

MONDAY = dt.date(2026, 11, 30)
NEXT_MONDAY = MONDAY + dt.timedelta(days=7)
WEEKDAYS = [1, 2, 3, 4, 5]


@pytest.fixture
def settings(planning_settings: Settings) -> Settings:
    return planning_settings.model_copy(update={"proposal_seconds_per_shift": 1.0})


def _team(session: Session, carers: int = 2, days: int = 14) -> tuple[Team, Principal]:
    team = Team(name="Team sentrum", base_address="Base", base_lat=60.1699, base_lon=24.9384)
    session.add(team)
    session.commit()
    for n in range(carers):
        carer = Carer(name=f"Pleier {n}", team_id=team.id or 0, competences=["helsefagarbeider", "sykepleier"])
        session.add(carer)
        session.commit()
        for offset in range(days):
            day = MONDAY + dt.timedelta(days=offset)
            if day.isoweekday() in WEEKDAYS:
                session.add(
                    RotaEntry(
                        carer_id=carer.id or 0,
                        date=day,
                        shift_kind=ShiftKind.day,
                        start=local_instant(day, dt.time(7, 30)),
                        end=local_instant(day, dt.time(15, 0)),
                    )
                )
    session.commit()
    user = create_user(
        session,
        data=UserCreate(
            username="koord", full_name="Kari", password=PASSWORD, role=Role.coordinator, team_ids=[team.id or 0]
        ),
    )
    return team, Principal(user.id or 0, "koord", Role.coordinator, frozenset({team.id or 0}), None)


def _recipient(session: Session, team: Team, i: int, **extra: Any) -> Recipient:
    recipient = Recipient(
        name=f"Bruker {i}",
        address=f"Gate {i}",
        lat=60.1660 + 0.0010 * (i % 6),
        lon=24.9330 + 0.0018 * (i % 5),
        team_id=team.id or 0,
        phone=f"+479000{i:04d}",
        **extra,
    )
    session.add(recipient)
    session.commit()
    return recipient


def _vedtak(session: Session, who: Principal, recipient: Recipient, visits: list[dict[str, Any]], **extra: Any) -> int:
    data = {
        "recipient_id": recipient.id,
        "reference": f"V-{recipient.id}",
        "valid_from": MONDAY.isoformat(),
        "weekdays": WEEKDAYS,
        "visits": visits,
        **extra,
    }
    return create_decision(session, principal=who, data=DecisionCreate.model_validate(data)).id or 0


def _morning(minutes: int = 25, **extra: Any) -> dict[str, Any]:
    return {
        "label": "morgen",
        "window_start": "08:00",
        "window_end": "09:00",
        "tasks": [{"name": "morgenstell", "minutes": minutes, **extra}],
    }


def _peak(session: Session, time_critical: int = 0) -> tuple[Team, Principal, list[Recipient]]:
    """Ten recipients asking for 08:00-09:00 on weekdays, two carers on the day shift."""
    team, who = _team(session)
    recipients = []
    for i in range(10):
        recipient = _recipient(session, team, i)
        _vedtak(session, who, recipient, [_morning(time_critical=i < time_critical)])
        recipients.append(recipient)
    return team, who, recipients


def _within_share(session: Session, team: Team, day: dt.date, settings: Settings) -> tuple[int, int]:
    (plan,) = plan_teams(
        session, day=day, shift_kind=ShiftKind.day, team_ids=[team.id or 0], created_by=None, settings=settings
    )
    assert plan.stats.get("check_feasible") is True, plan.stats
    stops = [s for _, stops in routes_of(session, plan.id or 0) for s in stops]
    return sum(s.planned_start <= s.window_end for s in stops), len(stops) + len(plan.unassigned)


def _agreement(valid_from: dt.date = NEXT_MONDAY, **extra: Any) -> Agreement:
    return Agreement.model_validate(
        {"asked_by": "Kari Koordinator", "asked_on": MONDAY, "asked_how": AskedHow.phone, "valid_from": valid_from, **extra}
    )


NOW = local_instant(MONDAY, dt.time(10, 0))


def test_a_morning_peak_gets_the_fewest_moves_and_then_fits(session: Session, settings: Settings) -> None:
    team, who, _ = _peak(session)
    run = make_proposals(session, team_id=team.id or 0, monday=MONDAY, settings=settings, created_by=None)
    proposals = proposals_of(session, run)
    assert run.visits == 50 and run.within_before < 50
    # two carers start at most three visits each between 08:00 and 09:00: four of ten must move, no more
    assert 1 <= len(proposals) <= 4, [(p.proposed_start, p.days_before, p.days_after) for p in proposals]
    assert all(p.reason.startswith("morgentoppen 08:00–09:00") for p in proposals)
    assert all(p.days_after > p.days_before and p.days == 5 for p in proposals)
    assert all(p.proposed_start > p.current_start for p in proposals)
    assert all(
        (p.proposed_end.hour * 60 + p.proposed_end.minute) - (p.proposed_start.hour * 60 + p.proposed_start.minute) == 60
        for p in proposals
    )
    assert run.within_after > run.within_before
    for p in proposals:
        accept_proposal(session, principal=who, proposal_id=p.id or 0, data=_agreement(), now=NOW, settings=settings)
    within, total = _within_share(session, team, NEXT_MONDAY, settings)
    assert (within, total) == (10, 10)
