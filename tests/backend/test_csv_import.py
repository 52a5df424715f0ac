"""CSV import: the example files import whole; any bad line rejects the whole file, listed per line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from backend.carers.models import Carer
from backend.decisions.expansion import visits_for
from backend.decisions.models import DecisionVisit, ServiceDecision
from backend.recipients.models import NextOfKin, Recipient
from backend.rota.models import RotaEntry
from tests.backend.world import World, auth

DATA = Path(__file__).resolve().parents[1] / "data"


def _counts(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        session.exec(select(func.count()).select_from(model)).one()
        for model in (Recipient, NextOfKin, ServiceDecision, DecisionVisit, RotaEntry)
    )


def _upload(client: TestClient, world: World, recipients: bytes, decisions: bytes | None = None):  # type: ignore[no-untyped-def]
    files = {"recipients": ("brukere.csv", recipients, "text/csv")}
    if decisions is not None:
        files["decisions"] = ("vedtak.csv", decisions, "text/csv")
    return client.post("/api/v1/import/recipients", files=files, headers=auth(world, "coordinator"))


def test_example_files_import_completely(client: TestClient, world: World, session: Session) -> None:
    """The documented example files: 2 recipients, 2 vedtak with a lunch → dinner link, 3 shifts."""
    before = _counts(session)
    response = _upload(client, world, (DATA / "brukere.csv").read_bytes(), (DATA / "vedtak.csv").read_bytes())
    assert response.status_code == 200, response.text
    assert response.json()["created"] == {"recipients": 2, "decisions": 2}
    rota = client.post(
        "/api/v1/import/rota",
        headers=auth(world, "coordinator"),
        files={"rota": ("turnus.csv", (DATA / "turnus.csv").read_bytes(), "text/csv")},
    )
    assert rota.status_code == 200, rota.text
    after = _counts(session)
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 2, 4, 3]

    gerd = session.exec(select(Recipient).where(Recipient.external_id == "R-100")).one()
    assert gerd.phone == "+4791234567" and abs(gerd.lat - 60.16754) < 1e-9
    wednesday = [
        v
        for v in visits_for(session, day=dt.date(2026, 11, 25), team_id=world.team_a)
        if v.recipient_id == gerd.id
    ]
    assert [v.label for v in wednesday] == ["morgen", "lunsj", "middag"]
    assert wednesday[0].required_competences == {"helsefagarbeider", "legemiddelhandtering"}
    assert any(link.min_gap_minutes == 180 for link in wednesday[2].links)
    night = session.exec(select(RotaEntry).where(RotaEntry.shift_kind == "night")).one()
    assert night.end - night.start == dt.timedelta(hours=9, minutes=30)  # 22:00 → 07:30 next morning


def test_a_bad_line_rejects_everything_and_names_the_line(
    client: TestClient, world: World, session: Session
) -> None:
    before = _counts(session)
    recipients = (DATA / "brukere.csv").read_text(encoding="utf-8").replace("+47 912 34 567", "22 22 22 22")
    decisions = (
        (DATA / "vedtak.csv")
        .read_text(encoding="utf-8")
        .replace("middag:20:assistent", "middag:20:kokk")
        .replace("10:00;12:00;ja", "12:00;10:00;ja")
    )
    response = _upload(client, world, recipients.encode(), decisions.encode())
    assert response.status_code == 422
    errors = response.json()["errors"]
    lines = {(e["file"], e["line"]) for e in errors}
    assert ("brukere.csv", 2) in lines  # landline, not a mobile
    assert ("vedtak.csv", 2) in lines  # V-100 (first row 2) has an unknown competence «kokk»
    assert ("vedtak.csv", 5) in lines  # V-101 window end before start
    messages = " ".join(e["message"] for e in errors)
    assert "mobilnummer" in messages and "kokk" in messages and "tidsvinduets slutt" in messages
    assert "ingenting er lagret" in response.json()["detail"]
    assert _counts(session) == before


def test_duplicates_and_unknown_references_are_reported(
    client: TestClient, world: World, session: Session
) -> None:
    before = _counts(session)
    recipients = (DATA / "brukere.csv").read_text(encoding="utf-8")
    duplicate = recipients + recipients.splitlines()[1] + "\n"
    response = _upload(client, world, duplicate.encode())
    assert response.status_code == 422
    assert any("står også på linje 2" in e["message"] for e in response.json()["errors"])
    wrong_team = recipients.replace("Team gul", "Team blå")  # koordinator A has no access to team blå
    response = _upload(client, world, wrong_team.encode())
    assert response.status_code == 422 and "ukjent team" in response.json()["detail"]
    # A recipient that already exists (R-A1 from the world) is a conflict on that line.
    clash = recipients.replace("R-101", "R-A1")
    response = _upload(client, world, clash.encode())
    assert response.status_code == 422
    assert {"file": "brukere.csv", "line": 3}.items() <= response.json()["errors"][0].items()
    assert _counts(session) == before


def test_malformed_files_are_refused_with_a_reason(
    client: TestClient, world: World, session: Session
) -> None:
    before = _counts(session)
    cases = {
        b"": "tom",
        b"\xff\xfe\x00binary": "UTF-8",
        b"name;address\nA;B\n": "mangler kolonne",
        (DATA / "brukere.csv").read_bytes() + b"R-102;Kun navn\n": "felt",
        b'external_id;name;address;lat;lon;team\n"R-1;Uavsluttet sitat\n': "linje",
    }
    for content, expected in cases.items():
        response = _upload(client, world, content)
        assert response.status_code == 422, content
        assert expected in response.json()["detail"], response.json()["detail"]
    assert _counts(session) == before


def test_rota_import_names_unknown_employees(client: TestClient, world: World, session: Session) -> None:
    before = _counts(session)
    content = (DATA / "turnus.csv").read_text(encoding="utf-8").replace("A2;2026-11-26", "X9;2026-11-26")
    response = client.post(
        "/api/v1/import/rota",
        headers=auth(world, "coordinator"),
        files={"rota": ("turnus.csv", content.encode(), "text/csv")},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"file": "turnus.csv", "line": 4, "field": "employee_id", "message": "ukjent ansattnummer «X9»"}
    ]
    assert _counts(session) == before


def test_staff_import_is_all_or_nothing_and_names_the_line(
    client: TestClient, world: World, session: Session
) -> None:
    """ansatte.csv before the rota: a bad competence on one line keeps every line out; then all come in."""
    header = "employee_id;name;team;competences;transport;employment_pct;phone\n"
    good = "S1;Siri Dahl;Team gul;helsefagarbeider;bil;60;+47 912 00 011\n"

    def upload(content: str, who: str = "coordinator") -> object:
        files = {"staff": ("ansatte.csv", content.encode(), "text/csv")}
        return client.post("/api/v1/import/staff", files=files, headers=auth(world, who))

    count = session.exec(select(func.count()).select_from(Carer)).one()
    refused = upload(header + good + "S2;Stein Lie;Team gul;kirurg;sykkel;100;\n")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    (error,) = refused.json()["errors"]  # type: ignore[attr-defined]
    assert (error["line"], error["field"]) == (3, "competences") and "ukjent kompetanse: kirurg" in error[
        "message"
    ]
    assert session.exec(select(func.count()).select_from(Carer)).one() == count
    assert upload(header + good, who="manager").status_code == 403  # type: ignore[attr-defined]
    done = upload(header + good + "S2;Stein Lie;Team gul;sykepleier;sykkel;100;\n")
    assert done.status_code == 200 and done.json()["created"] == {"carers": 2}  # type: ignore[attr-defined]
    stein = session.exec(select(Carer).where(Carer.external_id == "S2")).one()
    assert (stein.transport_mode.value, stein.employment_pct, stein.competences) == (
        "bike",
        100,
        ["sykepleier"],
    )
