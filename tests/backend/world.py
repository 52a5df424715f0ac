"""A small named world for API tests: two teams, one login per role, a published and a draft plan."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.addresses.models import Address
from backend.admin.service import create_user
from backend.agreements.models import ProposalRun, TimeProposal
from backend.auth.models import UserCreate
from backend.auth.service import Principal
from backend.carers.models import CarerCreate
from backend.carers.service import create_carer
from backend.common.enums import AbsenceReason, Role, ShiftKind
from backend.decisions.models import DecisionCreate
from backend.decisions.service import create_decision, visits_of
from backend.jobs.models import JobRecord
from backend.planning.models import ManualPlanCreate
from backend.planning.service import create_manual_plan, publish_plan, routes_of
from backend.recipients.models import NextOfKin, RecipientCreate
from backend.recipients.service import create_recipient
from backend.rota.models import Absence, RotaEntryCreate
from backend.rota.service import add_rota_entry
from backend.teams.models import Team
from maps.geocoding import address_key

PASSWORD = "passord-for-test"
DAY = dt.date(2026, 11, 23)  # a Monday


@dataclass
class World:
    team_a: int
    team_b: int
    carer_a: int
    carer_a2: int
    carer_b: int
    recipient_a: int
    recipient_b: int
    decision_a: int
    visit_a: int
    published_plan: int
    published_stop: int
    published_route: int
    other_carer_stop: int
    draft_plan: int
    draft_plan_a: int
    draft_plan_a2: int
    empty_team: int
    decision_unused: int
    kin_a: int
    rota_spare: int
    absence_a: int
    job_a: int
    tokens: dict[str, str]
    proposal_a: int = 0  # an open agreed-time proposal of team gul (accepted by the matrix)
    proposal_a2: int = 0  # another (rejected by the matrix)
    proposal_blue: int = 0  # one of team blå
    rota_absent: int = 0  # Per Olsen's day shift on Tuesday, which his sick leave covers


def _proposals(session: Session, team_id: int, recipient_id: int, visit_id: int, count: int) -> list[int]:
    """An agreed-time proposal run of the world's week with `count` open proposals (no road network here:
    stored as a run makes them; made for real in tests/backend/test_agreed_times.py)."""
    run = ProposalRun(team_id=team_id, monday=DAY, visits=10, within_before=8, within_after=10)
    session.add(run)
    session.flush()
    rows = [
        TimeProposal(
            run_id=run.id or 0,
            team_id=team_id,
            recipient_id=recipient_id,
            decision_visit_id=visit_id,
            label="morgen",
            current_start=dt.time(8, 0),
            current_end=dt.time(9, 0),
            proposed_start=dt.time(9, 15),
            proposed_end=dt.time(10, 15),
            reason="morgentoppen 08:00–09:00: 2 besøk mer enn pleierne rekker",
            days=7,
            days_before=3,
            days_after=7,
        )
        for _ in range(count)
    ]
    session.add_all(rows)
    session.commit()
    return [row.id or 0 for row in rows]


def _decision(recipient_id: int, ref: str) -> DecisionCreate:
    return DecisionCreate.model_validate(
        {
            "recipient_id": recipient_id,
            "reference": ref,
            "valid_from": "2026-01-01",
            "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "visits": [
                {
                    "label": "morgen",
                    "window_start": "08:00",
                    "window_end": "09:00",
                    "tasks": [{"name": "morgenstell", "minutes": 20, "competence": "helsefagarbeider"}],
                },
                {
                    "label": "lunsj",
                    "window_start": "12:00",
                    "window_end": "14:00",
                    "tasks": [{"name": "måltid", "minutes": 15}],
                },
                {
                    "label": "middag",
                    "window_start": "16:00",
                    "window_end": "18:00",
                    "tasks": [{"name": "middag", "minutes": 20}],
                },
            ],
            "links": [{"from_label": "lunsj", "to_label": "middag", "min_gap_minutes": 180}],
        }
    )


def _manual_plan(
    session: Session, principal: Principal, team_id: int, routes: list[tuple[int, int | None, str]]
) -> int:
    """A day-shift draft on DAY: each route is (carer, vedtak visit, planned start)."""
    plan = create_manual_plan(
        session,
        principal=principal,
        data=ManualPlanCreate.model_validate(
            {
                "date": DAY.isoformat(),
                "team_id": team_id,
                "shift_kind": "day",
                "routes": [
                    {"carer_id": carer, "stops": [{"decision_visit_id": visit, "planned_start": start}]}
                    for carer, visit, start in routes
                ],
            }
        ),
    )
    assert plan.id
    return plan.id


def build_world(session: Session, client: TestClient) -> World:
    team_a = Team(name="Team gul", base_address="Base A", base_lat=60.17, base_lon=24.94)
    team_b = Team(name="Team blå", base_address="Base B", base_lat=60.17, base_lon=24.95)
    session.add(team_a)
    session.add(team_b)
    session.commit()
    assert team_a.id and team_b.id
    create_user(
        session, data=UserCreate(username="admin", full_name="Admin", password=PASSWORD, role=Role.admin)
    )
    koord = create_user(
        session,
        data=UserCreate(
            username="koord",
            full_name="Koordinator A",
            password=PASSWORD,
            role=Role.coordinator,
            team_ids=[team_a.id],
        ),
    )
    koord_b = create_user(
        session,
        data=UserCreate(
            username="koord-b",
            full_name="Koordinator B",
            password=PASSWORD,
            role=Role.coordinator,
            team_ids=[team_b.id],
        ),
    )
    create_user(
        session,
        data=UserCreate(
            username="leder",
            full_name="Leder",
            password=PASSWORD,
            role=Role.manager,
            team_ids=[team_a.id, team_b.id],
        ),
    )
    assert koord.id and koord_b.id
    system = Principal(koord.id, "koord", Role.coordinator, frozenset({team_a.id, team_b.id}), None)
    system_b = Principal(koord_b.id, "koord-b", Role.coordinator, frozenset({team_b.id}), None)

    def carer(name: str, team: int, ext: str, comp: list[str]) -> int:
        row = create_carer(
            session,
            principal=system,
            data=CarerCreate(name=name, external_id=ext, team_id=team, competences=comp),
        )
        assert row.id
        return row.id

    carer_a = carer("Kari Nilsen", team_a.id, "A1", ["helsefagarbeider"])
    carer_a2 = carer("Per Olsen", team_a.id, "A2", ["sykepleier"])
    carer_b = carer("Liv Berg", team_b.id, "B1", ["helsefagarbeider"])

    def recipient(name: str, team: int, ext: str) -> int:
        row = create_recipient(
            session,
            principal=system,
            data=RecipientCreate.model_validate(
                {
                    "name": name,
                    "external_id": ext,
                    "address": "Mannerheimintie 10",
                    "lat": 60.1675,
                    "lon": 24.941,
                    "phone": "+4791234567",
                    "notice_consent": True,
                    "team_id": team,
                    "next_of_kin": [{"name": "Datter", "phone": "+4741234567", "notice_consent": True}],
                }
            ),
        )
        assert row.id
        return row.id

    recipient_a = recipient("Astrid Hansen", team_a.id, "R-A1")
    recipient_b = recipient("Bjørn Lie", team_b.id, "R-B1")
    decision_a = create_decision(session, principal=system, data=_decision(recipient_a, "V-A1"))
    decision_b = create_decision(session, principal=system, data=_decision(recipient_b, "V-B1"))
    assert decision_a.id and decision_b.id
    visits_a = visits_of(session, decision_a.id)
    visits_b = visits_of(session, decision_b.id)
    for carer_id in (carer_a, carer_a2, carer_b):
        add_rota_entry(
            session,
            principal=system,
            data=RotaEntryCreate(
                carer_id=carer_id,
                date=DAY,
                shift_kind=ShiftKind.day,
                start=dt.time(7, 30),
                end=dt.time(15, 0),
                break_earliest=dt.time(11),
                break_latest=dt.time(13),
                break_minutes=30,
            ),
        )
    published_id = _manual_plan(
        session, system, team_a.id, [(carer_a, visits_a[0].id, "08:10"), (carer_a2, visits_a[1].id, "12:15")]
    )
    publish_plan(session, principal=system, plan_id=published_id)
    draft_id = _manual_plan(session, system_b, team_b.id, [(carer_b, visits_b[0].id, "08:30")])
    drafts_a = [
        _manual_plan(session, system, team_a.id, [(carer_a, visits_a[1].id, "12:40")]) for _ in range(2)
    ]
    empty_team = Team(name="Team grønn", base_address="Base C", base_lat=60.16, base_lon=24.93)
    session.add(empty_team)
    unused = create_decision(session, principal=system, data=_decision(recipient_a, "V-A2"))
    spare = add_rota_entry(
        session,
        principal=system,
        data=RotaEntryCreate(
            carer_id=carer_a2,
            date=DAY + dt.timedelta(days=1),
            shift_kind=ShiftKind.evening,
            start=dt.time(15),
            end=dt.time(22, 30),
        ),
    )
    absent_shift = add_rota_entry(
        session,
        principal=system,
        data=RotaEntryCreate(
            carer_id=carer_a2,
            date=DAY + dt.timedelta(days=1),
            shift_kind=ShiftKind.day,
            start=dt.time(7, 30),
            end=dt.time(15, 0),
        ),
    )
    absence = Absence(
        carer_id=carer_a2,
        start=dt.datetime(2026, 11, 24, 6, tzinfo=dt.UTC),
        end=dt.datetime(2026, 11, 24, 14, tzinfo=dt.UTC),
        reason=AbsenceReason.sick_leave,
    )
    session.add(absence)
    session.add(
        Address(
            key=address_key("Storgata", 5, "B"),
            street="Storgata",
            number=5,
            letter="B",
            postcode="3400",
            city="LIER",
            municipality="3049",
            lat=59.7839,
            lon=10.2397,
        )
    )
    job = JobRecord(
        name="prepare_day", args={"date": DAY.isoformat(), "team_id": team_a.id}, created_by=koord.id
    )
    session.add(job)
    session.commit()
    kin_a = session.exec(select(NextOfKin).where(NextOfKin.recipient_id == recipient_a)).first()
    assert kin_a and kin_a.id and empty_team.id and unused.id and spare.id and absence.id and job.id
    routes = routes_of(session, published_id)
    own_stop = next(s for r, stops in routes if r.carer_id == carer_a for s in stops)
    other_stop = next(s for r, stops in routes if r.carer_id == carer_a2 for s in stops)

    create_user(
        session,
        data=UserCreate(
            username="pleier", full_name="Kari", password=PASSWORD, role=Role.carer, carer_id=carer_a
        ),
    )
    tokens = {}
    for role, username in (
        ("admin", "admin"),
        ("coordinator", "koord"),
        ("carer", "pleier"),
        ("manager", "leder"),
    ):
        response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        tokens[role] = response.json()["access_token"]
    assert visits_a[0].id
    proposals_a = _proposals(session, team_a.id, recipient_a, visits_a[0].id, 2)
    visit_b = visits_of(session, decision_b.id or 0)[0]
    (proposal_blue,) = _proposals(session, team_b.id, recipient_b, visit_b.id or 0, 1)
    return World(
        team_a.id,
        team_b.id,
        carer_a,
        carer_a2,
        carer_b,
        recipient_a,
        recipient_b,
        decision_a.id,
        visits_a[0].id,
        published_id,
        own_stop.id or 0,
        own_stop.route_id,
        other_stop.id or 0,
        draft_id,
        drafts_a[0],
        drafts_a[1],
        empty_team.id,
        unused.id,
        kin_a.id,
        spare.id,
        absence.id,
        job.id,
        tokens,
        proposals_a[0],
        proposals_a[1],
        proposal_blue,
        absent_shift.id or 0,
    )


def auth(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"} if role in world.tokens else {}


def web_login(client: TestClient, username: str, password: str = PASSWORD, **kwargs: object) -> Any:
    """Log in through the login page as a browser does: fetch the form (its token and cookie), then post it."""
    form = client.get("/login").text
    token = re.search(r'name="form_token" value="([^"]+)"', form)
    assert token is not None, "the login page has no form token"
    data = {"username": username, "password": password, "form_token": token.group(1)}
    return client.post("/login", data=data, **kwargs)  # type: ignore[arg-type]
