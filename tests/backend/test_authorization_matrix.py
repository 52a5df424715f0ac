"""Every /api/v1 endpoint called as every role: allowed roles get 2xx, the others 403 (401 anonymous).

The table must name every endpoint the app has, so a new endpoint cannot slip in unreviewed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from backend.audit.models import AccessLog
from backend.carers.models import Carer
from backend.decisions.models import DecisionVisit, ServiceDecision
from backend.planning.models import Route, Stop
from backend.recipients.models import NextOfKin, Recipient
from backend.rota.models import RotaEntry
from tests.backend.conftest import Clock
from tests.backend.world import DAY, PASSWORD, World, auth

DATA = Path(__file__).resolve().parents[1] / "data"
ALL = {"admin", "coordinator", "carer", "manager"}
ROLES = [*sorted(ALL), "anonymous"]


@dataclass(frozen=True)
class Call:
    method: str
    template: str
    allowed: frozenset[str]
    build: Callable[[World], dict[str, Any]]
    public: bool = False
    reached: frozenset[int] = frozenset()  # an allowed role's 4xx that shows the handler ran (see below)
    reached_text: str = "Veinettet"  # what that 4xx says

    def path(self, w: World) -> str:
        return self.template.format(**self.build(w).get("path", {}))


def _files(*names: tuple[str, str]) -> dict[str, Any]:
    return {"files": {field: (name, (DATA / name).read_bytes(), "text/csv") for field, name in names}}


def c(
    method: str,
    template: str,
    allowed: set[str],
    build: Callable[[World], dict[str, Any]] | None = None,
    public: bool = False,
    reached: frozenset[int] = frozenset(),
    reached_text: str = "Veinettet",
) -> Call:
    return Call(method, template, frozenset(allowed), build or (lambda w: {}), public, reached, reached_text)


CALLS: list[Call] = [
    c(
        "POST",
        "/api/v1/auth/token",
        ALL | {"anonymous"},
        lambda w: {"data": {"username": "koord", "password": PASSWORD}},
        public=True,
    ),
    c("GET", "/api/v1/auth/me", ALL),
    c("POST", "/api/v1/auth/session-token", ALL),
    c("GET", "/api/v1/users", {"admin"}),
    c("GET", "/api/v1/admin-actions", {"admin", "manager"}),
    c(
        "POST",
        "/api/v1/users",
        {"admin"},
        lambda w: {
            "json": {
                "username": "ny.leder",
                "full_name": "Ny Leder",
                "password": "langt-passord",
                "role": "manager",
            }
        },
    ),
    c(
        "PATCH",
        "/api/v1/users/{user_id}",
        {"admin"},
        lambda w: {"path": {"user_id": 1}, "json": {"full_name": "Admin 2"}},
    ),
    c("GET", "/api/v1/settings", {"admin"}),
    c(
        "PUT",
        "/api/v1/settings",
        {"admin"},
        lambda w: {
            "json": {
                "name": "Lier kommune",
                "notice_phone": "32 22 00 00",
                "allow_cross_team_nurses": True,
                "early_tolerance_minutes": 5,
            }
        },
    ),
    c("GET", "/api/v1/access-log", {"admin"}),
    c("GET", "/api/v1/teams", {"admin", "coordinator", "manager"}),
    c(
        "POST",
        "/api/v1/teams",
        {"admin"},
        lambda w: {
            "json": {"name": "Team rød", "base_address": "Base R", "base_lat": 60.1, "base_lon": 24.9}
        },
    ),
    c(
        "PATCH",
        "/api/v1/teams/{team_id}",
        {"admin", "coordinator"},
        lambda w: {"path": {"team_id": w.team_a}, "json": {"base_address": "Ny base"}},
    ),
    c("GET", "/api/v1/carers/competences", {"admin", "coordinator"}),
    c("GET", "/api/v1/carers", {"admin", "coordinator"}),
    c("GET", "/api/v1/carers/{carer_id}", {"coordinator"}, lambda w: {"path": {"carer_id": w.carer_a}}),
    c(
        "POST",
        "/api/v1/carers",
        {"coordinator"},
        lambda w: {"json": {"name": "Ny Pleier", "team_id": w.team_a, "competences": ["assistent"]}},
    ),
    c(
        "PATCH",
        "/api/v1/carers/{carer_id}",
        {"coordinator"},
        lambda w: {"path": {"carer_id": w.carer_a}, "json": {"employment_pct": 80}},
    ),
    c("GET", "/api/v1/recipients", {"coordinator"}),
    c(
        "GET",
        "/api/v1/recipients/{recipient_id}",
        {"coordinator"},
        lambda w: {"path": {"recipient_id": w.recipient_a}},
    ),
    c(
        "POST",
        "/api/v1/recipients",
        {"coordinator"},
        lambda w: {
            "json": {
                "name": "Ny Bruker",
                "address": "Gate 1",
                "lat": 60.17,
                "lon": 24.94,
                "team_id": w.team_a,
            }
        },
    ),
    c(
        "PATCH",
        "/api/v1/recipients/{recipient_id}",
        {"coordinator"},
        lambda w: {"path": {"recipient_id": w.recipient_a}, "json": {"access_notes": "Ring på"}},
    ),
    c(
        "POST",
        "/api/v1/recipients/{recipient_id}/next-of-kin",
        {"coordinator"},
        lambda w: {"path": {"recipient_id": w.recipient_a}, "json": {"name": "Sønn", "phone": "98765432"}},
    ),
    c(
        "DELETE",
        "/api/v1/recipients/{recipient_id}/next-of-kin/{kin_id}",
        {"coordinator"},
        lambda w: {"path": {"recipient_id": w.recipient_a, "kin_id": w.kin_a}},
    ),
    c("GET", "/api/v1/decisions", {"coordinator"}),
    c(
        "GET",
        "/api/v1/decisions/{decision_id}",
        {"coordinator"},
        lambda w: {"path": {"decision_id": w.decision_a}},
    ),
    c(
        "POST",
        "/api/v1/decisions",
        {"coordinator"},
        lambda w: {
            "json": {
                "recipient_id": w.recipient_a,
                "valid_from": "2026-11-01",
                "weekdays": [1],
                "visits": [
                    {
                        "label": "dusj",
                        "window_start": "10:00",
                        "window_end": "12:00",
                        "tasks": [{"name": "dusj", "minutes": 40}],
                    }
                ],
            }
        },
    ),
    c(
        "PATCH",
        "/api/v1/decisions/{decision_id}",
        {"coordinator"},
        lambda w: {"path": {"decision_id": w.decision_a}, "json": {"valid_to": "2027-12-31"}},
    ),
    c(
        "POST",
        "/api/v1/decisions/{decision_id}/change",
        {"coordinator"},
        lambda w: {
            "path": {"decision_id": w.decision_unused},
            "json": {
                "recipient_id": w.recipient_a,
                "valid_from": "2027-03-01",
                "weekdays": [2],
                "visits": [
                    {
                        "label": "dusj",
                        "window_start": "10:00",
                        "window_end": "12:00",
                        "tasks": [{"name": "dusj", "minutes": 45}],
                    }
                ],
            },
        },
    ),
    c(
        "GET",
        "/api/v1/teams/{team_id}/visits",
        {"coordinator"},
        lambda w: {"path": {"team_id": w.team_a}, "params": {"date": DAY.isoformat()}},
    ),
    c("GET", "/api/v1/rota", {"coordinator"}, lambda w: {"params": {"date": DAY.isoformat()}}),
    c(
        "POST",
        "/api/v1/rota",
        {"coordinator"},
        lambda w: {
            "json": {
                "carer_id": w.carer_a,
                "date": "2026-11-30",
                "shift_kind": "day",
                "start": "07:30",
                "end": "15:00",
            }
        },
    ),
    c(
        "GET",
        "/api/v1/absences",
        {"coordinator"},
        lambda w: {"params": {"from": "2026-11-01", "to": "2026-11-30"}},
    ),
    c(
        "POST",
        "/api/v1/absences",
        {"coordinator"},
        lambda w: {
            "json": {
                "carer_id": w.carer_a,
                "start": "2026-11-27T07:30:00+01:00",
                "end": "2026-11-28T07:30:00+01:00",
                "reason": "sick_leave",
            }
        },
    ),
    c("GET", "/api/v1/plans", {"coordinator"}, lambda w: {"params": {"date": DAY.isoformat()}}),
    c("GET", "/api/v1/plans/{plan_id}", {"coordinator"}, lambda w: {"path": {"plan_id": w.published_plan}}),
    c(
        "POST",
        "/api/v1/plans",
        {"coordinator"},
        lambda w: {
            "json": {
                "date": DAY.isoformat(),
                "team_id": w.team_a,
                "shift_kind": "day",
                "routes": [{"carer_id": w.carer_a, "stops": []}],
            }
        },
    ),
    c(
        "GET",
        "/api/v1/plans/{plan_id}/live",
        {"coordinator"},
        lambda w: {"path": {"plan_id": w.published_plan}},
    ),
    c(
        "GET",
        "/api/v1/teams/{team_id}/week",
        {"coordinator"},
        lambda w: {"path": {"team_id": w.team_a}, "params": {"date": DAY.isoformat()}},
    ),
    c(  # before the publish below supersedes the published plan
        "POST",
        "/api/v1/plans/{plan_id}/stops/{stop_id}/pin",
        {"coordinator"},
        lambda w: {
            "path": {"plan_id": w.published_plan, "stop_id": w.published_stop},
            "json": {"pinned": True},
        },
    ),
    c(
        "POST",
        "/api/v1/plans/{plan_id}/publish",
        {"coordinator"},
        lambda w: {"path": {"plan_id": w.draft_plan_a}},
    ),
    c(
        "POST",
        "/api/v1/planning/runs",
        {"coordinator"},
        lambda w: {"json": {"date": DAY.isoformat(), "shift_kind": "day", "team_ids": [w.team_a]}},
    ),
    c(
        "POST",
        "/api/v1/plans/{plan_id}/replan",
        {"coordinator"},
        lambda w: {"path": {"plan_id": w.draft_plan_a2}, "json": {"from_time": "10:00"}},  # at 07:00 (clock)
    ),
    c(
        "GET",
        "/api/v1/plans/{plan_id}/load",
        {"coordinator"},
        lambda w: {"path": {"plan_id": w.published_plan}},
    ),
    c(
        "GET",
        "/api/v1/teams/{team_id}/continuity",
        {"coordinator"},
        lambda w: {"path": {"team_id": w.team_a}, "params": {"date": DAY.isoformat()}},
    ),
    c("GET", "/api/v1/my/routes", {"carer"}, lambda w: {"params": {"date": DAY.isoformat()}}),
    c("GET", "/api/v1/my/day", {"carer"}, lambda w: {"params": {"date": DAY.isoformat()}}),
    c("GET", "/api/v1/notices", {"coordinator"}, lambda w: {"params": {"date": DAY.isoformat()}}),
    c("GET", "/api/v1/kpis/weekly", {"manager", "coordinator"}, lambda w: {"params": {"week": "2026-W48"}}),
    c(
        "GET",
        "/api/v1/kpis/weekly.csv",
        {"manager", "coordinator"},
        lambda w: {"params": {"week": "2026-W48"}},
    ),
    c(
        "GET",
        "/api/v1/kpis/report.pdf",
        {"manager", "coordinator"},
        lambda w: {"params": {"week": "2026-W48"}},
    ),
    c(
        "GET",
        "/api/v1/kpis/series",
        {"manager", "coordinator"},
        lambda w: {"params": {"team_id": w.team_a, "until": "2026-W48", "weeks": 4}},
    ),
    c(
        "GET",
        "/api/v1/kpis/visits",
        {"coordinator"},
        lambda w: {"params": {"team_id": w.team_a, "week": "2026-W48"}},
    ),
    c(
        "POST",
        "/api/v1/notices/delivery-reports/link",
        ALL | {"anonymous"},
        lambda w: {"params": {"secret": "test-secret"}, "json": {"refId": "hr-unknown", "resultCode": 1001}},
        public=True,
    ),
    c(
        "GET",
        "/api/v1/notices/delivery-reports/sveve",
        ALL | {"anonymous"},
        lambda w: {"params": {"secret": "test-secret", "ref": "hr-unknown", "status": "true"}},
        public=True,
    ),
    c(
        "POST",
        "/api/v1/notices/delivery-reports/sveve",
        ALL | {"anonymous"},
        lambda w: {"params": {"secret": "test-secret", "ref": "hr-unknown", "status": "false"}},
        public=True,
    ),
    c("GET", "/api/v1/my/day/revision", {"carer"}, lambda w: {"params": {"date": DAY.isoformat()}}),
    c(
        "GET",
        "/api/v1/my/routes/{route_id}/map",
        {"carer"},
        lambda w: {"path": {"route_id": w.published_route}},
    ),
    c(
        "GET",
        "/api/v1/my/routes/{route_id}/delay-preview",
        {"carer"},
        lambda w: {"path": {"route_id": w.published_route}},
    ),
    c(
        "POST",
        "/api/v1/my/delay-notices",
        {"carer"},
        lambda w: {
            "json": {
                "request_uuid": str(uuid.uuid4()),
                "route_id": w.published_route,
                "device_time": "2026-11-23T06:50:00+01:00",
            }
        },
    ),
    c(
        "POST",
        "/api/v1/visit-events",
        {"carer"},
        lambda w: {
            "json": {
                "event_uuid": str(uuid.uuid4()),
                "stop_id": w.published_stop,
                "kind": "check_in",
                "device_time": "2026-11-23T06:52:00+01:00",
            }
        },
    ),
    c(
        "POST",
        "/api/v1/import/recipients",
        {"coordinator"},
        lambda w: _files(("recipients", "brukere.csv"), ("decisions", "vedtak.csv")),
    ),
    c("POST", "/api/v1/import/rota", {"coordinator"}, lambda w: _files(("rota", "turnus.csv"))),
    c(
        "POST",
        "/api/v1/import/staff",
        {"coordinator"},
        lambda w: {
            "files": {
                "staff": ("ansatte.csv", b"employee_id;name;team\nM1;Mona Matrise;Team gul\n", "text/csv")
            }
        },
    ),
    c(
        "POST",
        "/api/v1/jobs/prepare-day",
        {"coordinator"},
        lambda w: {"json": {"date": DAY.isoformat(), "team_id": w.team_a}},
    ),
    c("GET", "/api/v1/jobs/{job_id}", {"coordinator"}, lambda w: {"path": {"job_id": w.job_a}}),
    c("GET", "/api/v1/stats/teams", {"manager", "coordinator"}, lambda w: {"params": {"week": "2026-W48"}}),
    c(
        "GET",
        "/api/v1/addresses/lookup",
        {"coordinator"},
        lambda w: {"params": {"street": "Storgata", "number": 5, "letter": "b"}},
    ),
    c(
        "POST",
        "/api/v1/agreements/runs",
        {"coordinator"},
        lambda w: {"json": {"team_id": w.team_a, "monday": DAY.isoformat()}},
    ),
    c(
        "GET",
        "/api/v1/agreements/runs/latest",
        {"coordinator"},
        lambda w: {"params": {"team_id": w.team_a, "monday": DAY.isoformat()}},
    ),
    c(
        "GET",
        "/api/v1/agreements/staffing.csv",
        {"coordinator"},
        lambda w: {"params": {"team_id": w.team_a, "monday": DAY.isoformat()}},
    ),
    c(
        "POST",
        "/api/v1/agreements/proposals/{proposal_id}/accept",
        {"coordinator"},
        lambda w: {
            "path": {"proposal_id": w.proposal_a},
            "json": {
                "asked_by": "Kari Koordinator",
                "asked_on": "2026-11-20",
                "asked_how": "telefon",
                "valid_from": "2027-03-01",
            },
        },
    ),
    c(
        "POST",
        "/api/v1/agreements/proposals/{proposal_id}/reject",
        {"coordinator"},
        lambda w: {"path": {"proposal_id": w.proposal_a2}, "json": {"reason": "Vil beholde tiden"}},
    ),
    c(
        "GET",
        "/api/v1/rota/{entry_id}/stand-ins",
        {"coordinator"},
        lambda w: {"path": {"entry_id": w.rota_absent}},
    ),
    # the world's team gul has no other nurse: calling in the health worker reaches the refusal that says so
    c(
        "POST",
        "/api/v1/rota/{entry_id}/stand-ins",
        {"coordinator"},
        lambda w: {"path": {"entry_id": w.rota_absent}, "json": {"carer_id": w.carer_a}},
        reached=frozenset({409}),
        reached_text="kompetansen",
    ),
    # Destructive calls last, so earlier calls still find what they need.
    # the world has no road network: a hand edit gets past authorisation to the 409 that names the missing
    # network (edits on real roads: tests/backend/test_planning.py)
    c(
        "POST",
        "/api/v1/plans/{plan_id}/edits",
        {"coordinator"},
        lambda w: {
            "path": {"plan_id": w.draft_plan_a2},
            "json": {"action": "remove", "stop_id": w.published_stop},
        },
        reached=frozenset({409}),
    ),
    c(
        "GET",
        "/api/v1/plans/{plan_id}/insert-options",
        {"coordinator"},
        lambda w: {"path": {"plan_id": w.draft_plan_a2}, "params": {"decision_visit_id": 1}},
        reached=frozenset({409}),
    ),
    c("DELETE", "/api/v1/plans/{plan_id}", {"coordinator"}, lambda w: {"path": {"plan_id": w.draft_plan_a2}}),
    c(
        "DELETE",
        "/api/v1/decisions/{decision_id}",
        {"coordinator"},
        lambda w: {"path": {"decision_id": w.decision_unused}},
    ),
    c("DELETE", "/api/v1/rota/{entry_id}", {"coordinator"}, lambda w: {"path": {"entry_id": w.rota_spare}}),
    c(
        "DELETE",
        "/api/v1/absences/{absence_id}",
        {"coordinator"},
        lambda w: {"path": {"absence_id": w.absence_a}},
    ),
    c("DELETE", "/api/v1/carers/{carer_id}", {"coordinator"}, lambda w: {"path": {"carer_id": w.carer_a2}}),
    c(
        "DELETE",
        "/api/v1/recipients/{recipient_id}",
        {"coordinator"},
        lambda w: {"path": {"recipient_id": w.recipient_a}},
    ),
    c("DELETE", "/api/v1/teams/{team_id}", {"admin"}, lambda w: {"path": {"team_id": w.empty_team}}),
    c("POST", "/api/v1/auth/logout", ALL),
]


def _send(client: TestClient, call: Call, target: World, headers: dict[str, str]) -> Any:
    """One call of the matrix against the objects of `target` (the world, or its mirror of team blå)."""
    spec = call.build(target)
    return client.request(
        call.method,
        call.path(target),
        headers=headers,
        params=spec.get("params"),
        json=spec.get("json"),
        data=spec.get("data"),
        files=spec.get("files"),
    )


def test_the_matrix_names_every_endpoint(client: TestClient) -> None:
    """A new endpoint must be added to the matrix with its allowed roles."""
    schema = client.get("/openapi.json").json()
    routes = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
    }
    assert len(routes) > 40
    listed = {(call.method, call.template) for call in CALLS}
    assert routes - listed == set(), "endpoints missing from the authorisation matrix"
    assert listed - routes == set(), "matrix names endpoints the app does not have"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_it_may(
    client: TestClient, world: World, role: str, clock: Clock
) -> None:
    outcomes = []
    for call in CALLS:
        response = _send(client, call, world, auth(world, role))
        if role in call.allowed:
            ok = 200 <= response.status_code < 300 or (
                response.status_code in call.reached and call.reached_text in response.text
            )
        elif role == "anonymous":
            ok = response.status_code == 401
        else:
            ok = response.status_code == 403
        outcomes.append((ok, call.method, call.template, response.status_code, response.text[:200]))
    failures = [o[1:] for o in outcomes if not o[0]]
    assert failures == [], f"{role}: unexpected outcomes"


def _personal_marks(session: Session) -> dict[int, set[str]]:
    """What identifies each recipient in a response: the name, address, phone and next of kin's names (only
    those no other recipient shares, so a mention points at one recipient)."""
    marks: dict[int, set[str]] = {}
    for recipient in session.exec(select(Recipient)).all():
        assert recipient.id is not None
        marks[recipient.id] = {
            recipient.name,
            recipient.address,
            *([recipient.phone] if recipient.phone else []),
        }
    for kin in session.exec(select(NextOfKin)).all():
        marks[kin.recipient_id].add(kin.name)
    shared = {
        text for one in marks.values() for text in one if sum(text in other for other in marks.values()) > 1
    }
    return {rid: texts - shared for rid, texts in marks.items()}


def _care_records_in(response: Any) -> set[int]:
    """Recipients whose care (vedtak tasks, visits) a JSON response lays out beside their id."""
    found: set[int] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("recipient_id"), int) and {"tasks", "visits"} & node.keys():
                found.add(node["recipient_id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if response.headers.get("content-type", "").startswith("application/json"):
        walk(response.json())
    return found


def _mentions(text: str, mark: str) -> bool:
    """The whole mark, not part of a longer word or number ("Storgata 1" is not in "Storgata 10")."""
    return bool(mark) and re.search(rf"(?<![\w+]){re.escape(mark)}(?!\w)", text) is not None


@pytest.mark.parametrize("role", ["coordinator", "carer", "manager", "admin"])
def test_every_response_with_recipient_data_is_in_the_access_log(
    client: TestClient, world: World, session: Session, role: str, clock: Clock
) -> None:
    """Probe every endpoint as each role: whenever a response carries a recipient's name, address, phone or
    next of kin, that request wrote an access-log row for that recipient."""
    unlogged = []
    for call in CALLS:
        marks = _personal_marks(session)
        before = session.exec(select(func.max(AccessLog.id))).one() or 0
        response = _send(client, call, world, auth(world, role))
        session.expire_all()
        marks = {rid: texts | _personal_marks(session).get(rid, set()) for rid, texts in marks.items()}
        shown = {rid for rid, texts in marks.items() if any(_mentions(response.text, t) for t in texts)}
        shown |= _care_records_in(response)
        logged = set(session.exec(select(AccessLog.recipient_id).where(AccessLog.id > before)).all())
        if shown - logged:
            unlogged.append((call.method, call.template, sorted(shown - logged)))
    assert not unlogged, f"{role}: {unlogged}"
    assert unlogged == [], f"{role}: recipient data left the server without an access-log row"


def _mirror(world: World, session: Session) -> World:
    """The world with every id of team gul's things replaced by team blå's: what a coordinator of gul
    reaches for when stepping through ids."""
    decision_b = session.exec(
        select(ServiceDecision).where(ServiceDecision.recipient_id == world.recipient_b)
    ).first()
    assert decision_b is not None and decision_b.id is not None
    visit_b = session.exec(select(DecisionVisit).where(DecisionVisit.decision_id == decision_b.id)).first()
    route_b = session.exec(select(Route).where(Route.plan_id == world.draft_plan)).first()
    assert visit_b is not None and visit_b.id and route_b is not None and route_b.id
    stop_b = session.exec(select(Stop).where(Stop.route_id == route_b.id)).first()
    kin_b = session.exec(select(NextOfKin).where(NextOfKin.recipient_id == world.recipient_b)).first()
    rota_b = session.exec(select(RotaEntry).where(RotaEntry.carer_id == world.carer_b)).first()
    assert (
        stop_b is not None
        and stop_b.id
        and kin_b is not None
        and kin_b.id
        and rota_b is not None
        and rota_b.id
    )
    return replace(
        world,
        team_a=world.team_b,
        carer_a=world.carer_b,
        carer_a2=world.carer_b,
        recipient_a=world.recipient_b,
        decision_a=decision_b.id,
        decision_unused=decision_b.id,
        visit_a=visit_b.id,
        published_plan=world.draft_plan,
        draft_plan_a=world.draft_plan,
        draft_plan_a2=world.draft_plan,
        published_stop=stop_b.id,
        other_carer_stop=stop_b.id,
        published_route=route_b.id,
        kin_a=kin_b.id,
        rota_spare=rota_b.id,
        rota_absent=rota_b.id,
        proposal_a=world.proposal_blue,
        proposal_a2=world.proposal_blue,
    )


def test_no_error_names_what_the_caller_may_not_see(
    client: TestClient, world: World, session: Session, clock: Clock
) -> None:
    """Every endpoint called by team gul's coordinator and carer with team blå's ids, in the path and in
    the body: whatever the answer, it never carries the name of blå's recipient or carer (once «Arne Berg
    hører ikke til planens team.» listed the municipality id by id)."""
    other = _mirror(world, session)
    mixed = [  # own objects that point at the other team's
        c(
            "POST",
            "/api/v1/plans/{plan_id}/replan",
            {"coordinator"},
            lambda w: {
                "path": {"plan_id": world.draft_plan_a},
                "json": {
                    "urgent_visit": {
                        "recipient_id": world.recipient_b,
                        "window_start": "12:00",
                        "window_end": "13:00",
                        "tasks": [{"name": "tilsyn", "minutes": 15}],
                    }
                },
            },
        ),
        c(
            "POST",
            "/api/v1/plans/{plan_id}/replan",
            {"coordinator"},
            lambda w: {"path": {"plan_id": world.draft_plan_a}, "json": {"absent_carer_id": world.carer_b}},
        ),
        c(
            "PATCH",
            "/api/v1/recipients/{recipient_id}",
            {"coordinator"},
            lambda w: {
                "path": {"recipient_id": world.recipient_a},
                "json": {"primary_carer_id": world.carer_b},
            },
        ),
    ]
    secrets = {session.get(Recipient, world.recipient_b).name, session.get(Carer, world.carer_b).name}  # type: ignore[union-attr]
    leaks = []
    for role in ("carer", "coordinator"):  # the coordinator last: the matrix ends by logging out
        for call in [*mixed, *CALLS]:
            response = _send(client, call, other, auth(world, role))
            named = sorted(name for name in secrets if name in response.text)
            if named:
                leaks.append((role, call.method, call.template, response.status_code, named))
    assert leaks == []
