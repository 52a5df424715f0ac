"""The coordinator's recipient pages: a paged, searchable list (each listed recipient access-logged), a new
recipient whose typed address is looked up in the Matrikkel addresses, errors beside the field with nothing
half-saved, next of kin, deactivation, the visits the vedtak give; another team's recipient is a 404
without a name; other roles get no page. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from backend.audit.models import AccessLog
from backend.auth.models import User
from backend.auth.service import Principal, team_ids_of
from backend.carers.models import Carer
from backend.common.enums import Role, VisitPriority
from backend.common.localtime import local_instant
from backend.decisions.expansion import visits_for
from backend.decisions.models import DecisionCreate, ServiceDecision
from backend.decisions.service import create_decision, to_public
from backend.planning.models import Plan, Route
from backend.recipients.models import NextOfKin, Recipient
from backend.rota.models import Absence, RotaEntry
from tests.backend.conftest import Clock
from tests.backend.world import World, auth, web_login


def form_token(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def as_coordinator(client: TestClient, username: str = "koord-b") -> str:
    assert web_login(client, username, follow_redirects=False).status_code == 303
    page = client.get("/konsoll/brukere/ny")
    assert page.status_code == 200
    return form_token(page.text)


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Recipient)).one()


def test_a_new_recipient_found_at_the_matrikkel_address_with_next_of_kin(
    client: TestClient, session: Session, world: World
) -> None:
    token = as_coordinator(client)
    new = {
        "form_token": token,
        "external_id": "R-900",
        "name": "Åse Lund",
        "address": "Storgata 5B",
        "lat": "",
        "lon": "",
        "phone": "412 34 567",
        "notice_consent": "on",
        "language": "nn",
        "access_notes": "Nøkkelboks ved døra",
        "team_id": str(world.team_b),
        "kin_name": "Ola Lund",
        "kin_phone": "123",
    }
    before = count(session)
    bad = client.post("/konsoll/brukere", data=new)
    assert bad.status_code == 422 and 'id="kin_phone-error"' in bad.text  # next of kin's phone, by the field
    assert count(session) == before  # nothing half-saved (neither the recipient nor the kin)
    unknown = client.post(
        "/konsoll/brukere", data={**new, "kin_phone": "+47 912 34 567", "address": "Finnesikke 9"}
    )
    assert (
        unknown.status_code == 422
        and "Fant ikke adressen" in unknown.text
        and 'id="address-error"' in unknown.text
    )
    made = client.post(
        "/konsoll/brukere", data={**new, "kin_phone": "+47 912 34 567"}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    recipient = session.exec(select(Recipient).where(Recipient.external_id == "R-900")).one()
    assert (recipient.lat, recipient.lon, recipient.language.value) == (59.7839, 10.2397, "nn")
    assert recipient.address.startswith("Storgata 5B")
    (kin,) = session.exec(select(NextOfKin).where(NextOfKin.recipient_id == recipient.id)).all()
    assert kin.phone == "+4791234567" and kin.notice_consent is False
    page = client.get(made.headers["location"])
    assert page.status_code == 200 and "Åse Lund" in page.text and "Ola Lund" in page.text
    assert session.exec(
        select(AccessLog).where(
            AccessLog.recipient_id == recipient.id, col(AccessLog.action) == "read recipient"
        )
    ).first()


def test_the_list_pages_searches_and_logs_what_it_shows(
    client: TestClient, session: Session, world: World
) -> None:
    as_coordinator(client, "koord")  # teams gul and blå
    session.add_all(
        Recipient(name=f"Bruker {n:04d}", address=f"Gate {n}", lat=60.17, lon=24.94, team_id=world.team_a)
        for n in range(3000)
    )  # a municipality has thousands: never one page of everything
    session.commit()
    koord = session.exec(select(User).where(User.username == "koord")).one()
    n = session.exec(
        select(func.count())
        .select_from(Recipient)
        .where(col(Recipient.team_id).in_(team_ids_of(session, koord.id or 0)))
    ).one()
    first = client.get("/konsoll/brukere")
    assert first.status_code == 200 and f"Viser 1–50 av {n}" in first.text and "Neste side" in first.text
    assert first.text.count("/konsoll/brukere/") - first.text.count("/konsoll/brukere/ny") == 50
    last_offset = (n - 1) // 50 * 50
    last = client.get("/konsoll/brukere", params={"offset": last_offset})
    assert f"Viser {last_offset + 1}–{n} av {n}" in last.text and "Neste side" not in last.text
    found = client.get("/konsoll/brukere", params={"q": "bruker 0007"})
    assert "Bruker 0007" in found.text and "Bruker 0008" not in found.text and "Viser 1–1 av 1" in found.text
    listed = session.exec(
        select(func.count()).select_from(AccessLog).where(AccessLog.action == "list recipients")
    ).one()
    assert listed == 50 + (n - last_offset) + 1  # only what was shown


def test_change_deactivate_and_the_visits_of_the_vedtak(
    client: TestClient, session: Session, world: World
) -> None:
    token = as_coordinator(client, "koord")
    page = client.get(f"/konsoll/brukere/{world.recipient_a}")
    assert page.status_code == 200 and 'id="preview"' in page.text
    recipient = session.get(Recipient, world.recipient_a)
    assert recipient is not None
    values = {
        "form_token": token,
        "name": recipient.name,
        "address": recipient.address,
        "lat": str(recipient.lat),
        "lon": str(recipient.lon),
        "phone": recipient.phone or "",
        "language": "nb",
        "access_notes": "",
        "team_id": str(recipient.team_id),
        "primary_carer_id": str(world.carer_b),
    }
    wrong = client.post(f"/konsoll/brukere/{world.recipient_a}", data=values)
    assert (
        wrong.status_code == 422
        and 'id="primary_carer_id-error"' in wrong.text
        and "Liv Berg" not in wrong.text.split("<select")[0]
    )
    off = client.post(
        f"/konsoll/brukere/{world.recipient_a}", data={**values, "primary_carer_id": ""}
    )  # «Aktiv» unticked
    assert off.status_code == 200 and "(avsluttet)" in off.text
    session.expire_all()
    assert session.get(Recipient, world.recipient_a).active is False  # type: ignore[union-attr]


def test_another_teams_recipient_and_other_roles_get_nothing(client: TestClient, world: World) -> None:
    as_coordinator(client, "koord-b")  # team blå only
    other = client.get(f"/konsoll/brukere/{world.recipient_a}")
    assert other.status_code == 404 and "Finnes ikke" in other.text
    recipient_a_name = "Astrid Hansen"  # the world's recipient in team gul is never named to koord-b
    assert recipient_a_name not in client.get("/konsoll/brukere").text
    for username in ("leder", "pleier", "admin"):
        client.cookies.clear()
        assert web_login(client, username, follow_redirects=False).status_code == 303
        answer = client.get("/konsoll/brukere")
        assert answer.status_code == 403 and "Bruker" not in answer.text.replace("brukere", "")


def test_the_import_page_lists_every_bad_line_and_stores_nothing_until_all_are_good(
    client: TestClient, session: Session, world: World
) -> None:
    as_coordinator(client, "koord")
    token = form_token(client.get("/konsoll/import").text)
    header = "employee_id;name;team;competences\n"
    bad = header + "N1;Nina;Team gul;helsefagarbeider\nN2;Nils;Team lilla;\nN3;Nora;Team gul;kirurg\n"
    refused = client.post(
        "/konsoll/import/staff",
        data={"form_token": token},
        files={"file": ("ansatte.csv", bad.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    table = refused.text.split('id="import-errors"')[1]
    assert "<td>3</td>" in table and "Team lilla" in table and "<td>4</td>" in table and "kirurg" in table
    assert (
        session.exec(
            select(func.count()).select_from(Carer).where(col(Carer.external_id).in_(["N1", "N2", "N3"]))
        ).one()
        == 0
    )
    empty = client.post("/konsoll/import/staff", data={"form_token": token})
    assert empty.status_code == 422 and "Velg en CSV-fil" in empty.text
    good = header + "N1;Nina;Team gul;helsefagarbeider\n"
    done = client.post(
        "/konsoll/import/staff",
        data={"form_token": token},
        files={"file": ("ansatte.csv", good.encode(), "text/csv")},
    )
    assert done.status_code == 200 and "Ansatte: importert 1 ansatte." in done.text
    assert client.post("/konsoll/import/staff", data={"form_token": "x"}).status_code == 403


def test_carer_pages_change_competences_and_end_the_tablet_login_of_one_who_left(
    client: TestClient, session: Session, world: World
) -> None:
    as_coordinator(client, "koord-b")  # team blå: Liv Berg
    listed = client.get("/konsoll/pleiere")
    assert listed.status_code == 200 and "Liv Berg" in listed.text and "Kari Nilsen" not in listed.text
    assert client.get(f"/konsoll/pleiere/{world.carer_a}").status_code == 404  # team gul's carer, unnamed
    page = client.get(f"/konsoll/pleiere/{world.carer_b}")
    token = form_token(page.text)
    values = {
        "form_token": token,
        "name": "Liv Berg",
        "team_id": str(world.team_b),
        "transport_mode": "bike",
        "phone": "",
        "active": "on",
    }
    bad = client.post(
        f"/konsoll/pleiere/{world.carer_b}", data={**values, "employment_pct": "0", "competences": ["kirurg"]}
    )
    assert (
        bad.status_code == 422
        and 'id="competences-error"' in bad.text
        and 'id="employment_pct-error"' in bad.text
    )
    ok = client.post(
        f"/konsoll/pleiere/{world.carer_b}",
        data={**values, "employment_pct": "80", "competences": ["sykepleier", "forflytning"]},
    )
    assert ok.status_code == 200 and "Endringene er lagret" in ok.text
    carer = session.get(Carer, world.carer_b)
    session.refresh(carer)
    assert carer is not None and (carer.employment_pct, carer.competences) == (
        80,
        ["forflytning", "sykepleier"],
    )
    client.cookies.clear()
    as_coordinator(client, "koord")  # team gul: Kari, whose tablet login is «pleier»
    kari = session.get(Carer, world.carer_a)
    assert kari is not None
    left = {
        "form_token": form_token(client.get(f"/konsoll/pleiere/{world.carer_a}").text),
        "name": kari.name,
        "team_id": str(kari.team_id),
        "transport_mode": kari.transport_mode.value,
        "employment_pct": str(kari.employment_pct),
        "competences": kari.competences,
    }  # «Ansatt» unticked
    assert client.post(f"/konsoll/pleiere/{world.carer_a}", data=left).status_code == 200
    assert client.get("/api/v1/my/routes", headers=auth(world, "carer")).status_code == 401


def test_rota_week_shifts_and_an_absence_that_points_at_the_plans_it_empties(
    client: TestClient, session: Session, world: World, clock: Clock
) -> None:
    """07:00: Kari is registered sick for the day. The page points at the list it empties and offers Vera,
    a health worker off today, from 08:00; «Kall inn» adds her shift, and calling her in twice is refused."""
    vera = Carer(name="Vera Vikar", team_id=world.team_a, competences=["helsefagarbeider"])
    session.add(vera)
    session.commit()
    as_coordinator(client, "koord")
    route = session.get(Route, world.published_route)
    plan = session.get(Plan, world.published_plan)
    assert route is not None and plan is not None
    week = f"{plan.date.isocalendar()[0]}-W{plan.date.isocalendar()[1]:02d}"
    grid = client.get("/konsoll/turnus", params={"team_id": plan.team_id, "uke": week})
    assert grid.status_code == 200 and 'id="rota-grid"' in grid.text
    token = form_token(grid.text)
    base = {"form_token": token, "team_id": str(plan.team_id), "week": week}
    shift = {
        **base,
        "carer_id": str(route.carer_id),
        "date": (plan.date + dt.timedelta(days=2)).isoformat(),
        "shift_kind": "evening",
        "start": "15:00",
        "end": "22:30",
        "break_minutes": "30",
        "break_earliest": "18:00",
        "break_latest": "19:30",
    }
    added = client.post("/konsoll/turnus/vakt", data=shift)
    assert added.status_code == 200, re.findall(
        r'class="error"[^>]*>([^<]*)<', added.text
    )  # after the redirect
    again = client.post("/konsoll/turnus/vakt", data=shift)
    assert again.status_code == 422 and "har allerede kveldsvakt" in again.text
    bad = client.post(
        "/konsoll/turnus/fravaer",
        data={**base, "carer_id": str(route.carer_id), "from_date": "i morgen", "reason": "sick_leave"},
    )
    assert bad.status_code == 422 and 'id="absence-error"' in bad.text
    day = plan.date.isoformat()
    sick = {
        **base,
        "carer_id": str(route.carer_id),
        "from_date": day,
        "from_time": "00:00",
        "to_date": day,
        "to_time": "23:59",
        "reason": "sick_leave",
        "note": "",
    }
    answer = client.post("/konsoll/turnus/fravaer", data=sick)
    assert answer.status_code == 200 and 'id="affected"' in answer.text
    assert f'href="/konsoll/planer/{plan.id}"' in answer.text
    offer = re.search(
        r'<li>Vera Vikar: kan begynne (\d\d:\d\d).*?name="entry_id" value="(\d+)"', answer.text, re.S
    )
    assert offer is not None and offer.group(1) == "08:00", answer.text
    call = {**base, "entry_id": offer.group(2), "carer_id": str(vera.id)}
    called = client.post("/konsoll/turnus/vikar", data=call)
    assert (
        called.status_code == 200
        and "Vera Vikar er kalt inn" in called.text
        and 'id="affected"' in called.text
    )
    stand_in = session.exec(select(RotaEntry).where(RotaEntry.carer_id == vera.id)).one()
    assert stand_in.start == local_instant(plan.date, dt.time(8, 0))
    for bogus in ({"entry_id": "x"}, {"entry_id": "99999999999"}, {"carer_id": ""}):
        refused = client.post("/konsoll/turnus/vikar", data={**call, **bogus})
        assert refused.status_code == 404 and 'id="stand-in-error"' in refused.text
    absence = session.exec(select(Absence).where(Absence.carer_id == route.carer_id)).one()
    later = client.get(f"/konsoll/turnus/fravaer/{absence.id}/vikar", params={"uke": week})
    assert later.status_code == 200 and "Forslag til vikar" in later.text and "Vera Vikar:" not in later.text
    assert client.get("/konsoll/turnus/fravaer/999999/vikar").status_code == 404
    twice = client.post("/konsoll/turnus/vikar", data=call)
    assert twice.status_code == 409 and 'id="stand-in-error"' in twice.text and "allerede" in twice.text
    assert client.post("/konsoll/turnus/fravaer", data=sick).status_code == 422  # the same absence twice
    assert (
        session.exec(
            select(func.count())
            .select_from(Absence)
            .where(Absence.carer_id == route.carer_id, Absence.reason == "sick_leave")
        ).one()
        >= 1
    )


def test_a_vedtak_ends_from_a_date_and_its_history_stays(
    client: TestClient, session: Session, world: World
) -> None:
    token = as_coordinator(client, "koord")
    decision = session.get(ServiceDecision, world.decision_a)
    assert decision is not None
    path = f"/konsoll/brukere/{decision.recipient_id}/vedtak/{decision.id}/stopp"
    early = (decision.valid_from - dt.timedelta(days=1)).isoformat()
    refused = client.post(path, data={"form_token": token, "valid_to": early})
    assert (
        refused.status_code == 422 and 'id="decision-error"' in refused.text and "Stoppdato" in refused.text
    )
    last = (decision.valid_from + dt.timedelta(days=30)).isoformat()
    assert (
        client.post(path, data={"form_token": token, "valid_to": last}, follow_redirects=False).status_code
        == 303
    )
    session.refresh(decision)
    assert decision.valid_to is not None and decision.valid_to.isoformat() == last
    assert (
        client.post(
            f"/konsoll/brukere/{world.recipient_b}/vedtak/{decision.id}/stopp",
            data={"form_token": token, "valid_to": last},
        ).status_code
        == 404
    )


def test_a_vedtak_changed_from_a_date_keeps_what_was_agreed_before(
    client: TestClient, session: Session, world: World
) -> None:
    """«Endre fra en dato»: the form starts from today's vedtak (its visits, tasks and link); a change dated
    no later than the vedtak's start is refused beside the date with nothing changed; a change to five
    visits (a day-centre start, a soft latest start, two links) ends the old vedtak the day before, so the
    days before it still give the old visits and the days from it the new ones."""
    token = as_coordinator(client, "koord")
    old = session.get(ServiceDecision, world.decision_a)
    assert old is not None and old.valid_to is None
    path = f"/konsoll/brukere/{old.recipient_id}/vedtak/{old.id}/endre"
    page = client.get(path)
    assert page.status_code == 200
    for shown in ('value="morgen"', 'value="08:00"', "morgenstell:20:helsefagarbeider", 'value="180"'):
        assert shown in page.text
    assert session.exec(select(AccessLog).where(AccessLog.path == path)).first() is not None
    visits = {
        "visit0": ("morgen", "07:30", "08:30", "morgenstell:25:helsefagarbeider|medisiner:5"),
        "visit1": ("lunsj", "11:30", "12:30", "måltid:15"),
        "visit2": ("middag", "15:00", "17:30", "middag:20"),
        "visit3": ("dagsenter", "08:30", "09:30", "klargjøring:15"),
        "visit4": ("kveld", "20:00", "21:00", "kveldsstell:20"),
    }
    form = {"form_token": token, "weekdays": ["1", "2", "3", "4", "5"], "interval_weeks": "1"}
    for row, (label, start, end, tasks) in visits.items():
        form |= {f"{row}_label": label, f"{row}_start": start, f"{row}_end": end, f"{row}_tasks": tasks}
    form |= {"visit3_daycentre": "09:00", "visit4_latest": "21:30", "visit2_double": "on"}
    form |= {"link0_from": "lunsj", "link0_to": "middag", "link0_min": "180"}
    form |= {"link1_from": "middag", "link1_to": "kveld", "link1_min": "240", "link1_max": "360"}
    decisions_before = session.exec(select(func.count()).select_from(ServiceDecision)).one()
    too_early = client.post(path, data={**form, "valid_from": old.valid_from.isoformat()})
    assert too_early.status_code == 422 and 'id="valid_from-error"' in too_early.text
    assert 'id="visit4_label"' in too_early.text and 'value="kveld"' in too_early.text  # nothing typed lost
    session.expire_all()
    assert session.exec(select(func.count()).select_from(ServiceDecision)).one() == decisions_before
    change_day = old.valid_from + dt.timedelta(days=40)
    done = client.post(path, data={**form, "valid_from": change_day.isoformat()}, follow_redirects=False)
    assert done.status_code == 303, done.text
    session.expire_all()
    old = session.get(ServiceDecision, world.decision_a)
    assert old is not None and old.valid_to == change_day - dt.timedelta(days=1)
    new = session.exec(
        select(ServiceDecision).where(
            ServiceDecision.recipient_id == old.recipient_id, ServiceDecision.valid_from == change_day
        )
    ).one()
    public = to_public(session, new)
    assert [v.label for v in public.visits] == list(v[0] for v in visits.values())
    day_centre = public.visits[3]
    assert day_centre.priority == VisitPriority.day_centre and day_centre.latest_start == dt.time(9, 0)
    assert public.visits[4].latest_acceptable == dt.time(21, 30) and public.visits[2].double_staffed
    assert {(link.from_label, link.to_label) for link in public.links} == {
        ("lunsj", "middag"),
        ("middag", "kveld"),
    }
    recipient = session.get(Recipient, old.recipient_id)
    assert recipient is not None

    def labels_on(day: dt.date) -> dict[int, list[str]]:
        """The day's visits of the old and the new vedtak."""
        found: dict[int, list[str]] = {old.id or 0: [], new.id or 0: []}
        for v in visits_for(session, day=day, team_id=recipient.team_id):
            if v.decision_id in found:
                found[v.decision_id].append(v.label)
        return {k: sorted(v) for k, v in found.items()}

    monday_before = change_day - dt.timedelta(days=change_day.weekday() + 7)
    monday_after = change_day + dt.timedelta(days=7 - change_day.weekday())
    assert labels_on(monday_before) == {old.id: ["lunsj", "middag", "morgen"], new.id: []}
    assert labels_on(monday_after) == {
        old.id: [],
        new.id: ["dagsenter", "kveld", "lunsj", "middag", "morgen"],
    }
    other = client.get(f"/konsoll/brukere/{world.recipient_b}/vedtak/{old.id}/endre")
    assert other.status_code == 404 and recipient.name not in other.text


def test_the_entrance_pin_moves_on_the_municipality_roads_and_stays_near_one(
    client: TestClient, session: Session, world: World, demo_networks: Path
) -> None:
    """The pin's map draws the imported OSM roads around the point (for coordinators only, no recipient in
    it); a pin moved to the back door 40 m away is saved; one put 20 km out or in another town is
    refused beside the coordinates with nothing saved."""
    app_settings = client.app.state.settings  # type: ignore[attr-defined]
    client.app.state.settings = app_settings.model_copy(update={"network_dir": demo_networks})  # type: ignore[attr-defined]
    recipient = session.get(Recipient, world.recipient_a)
    assert recipient is not None
    token = as_coordinator(client, "koord")
    roads = client.get("/konsoll/brukere/veier", params={"lat": recipient.lat, "lon": recipient.lon})
    assert roads.status_code == 200 and roads.json()["geometry"]["type"] == "MultiLineString"
    assert len(roads.json()["geometry"]["coordinates"]) > 10
    assert client.get("/konsoll/brukere/veier", params={"lat": "nord", "lon": 1}).status_code == 422
    page = client.get(f"/konsoll/brukere/{recipient.id}")
    assert 'id="entrance-map"' in page.text and f'data-lat="{recipient.lat}"' in page.text
    form = {
        "form_token": token,
        "name": recipient.name,
        "address": recipient.address,
        "language": "nb",
        "team_id": str(recipient.team_id),
        "active": "on",
    }
    back_door = (recipient.lat + 0.0003, recipient.lon + 0.0002)
    moved = client.post(
        f"/konsoll/brukere/{recipient.id}",
        data={**form, "lat": f"{back_door[0]:.6f}", "lon": f"{back_door[1]:.6f}"},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    session.expire_all()
    assert (round(recipient.lat, 6), round(recipient.lon, 6)) == (
        round(back_door[0], 6),
        round(back_door[1], 6),
    )
    for far in ((recipient.lat + 0.2, recipient.lon), (59.91, 10.75)):
        refused = client.post(
            f"/konsoll/brukere/{recipient.id}", data={**form, "lat": str(far[0]), "lon": str(far[1])}
        )
        assert refused.status_code == 422 and 'id="lat-error"' in refused.text
        assert "utenfor kommunens kart eller mer enn 300 m" in refused.text
        session.expire_all()
        assert round(recipient.lat, 6) == round(back_door[0], 6)
    web_login(client, "leder", follow_redirects=False)
    assert client.get("/konsoll/brukere/veier", params={"lat": 60.17, "lon": 24.94}).status_code == 403


def _filled_fields(page: str) -> dict[str, list[str]]:
    """What the browser would post from a form page: each input's value, checked boxes only."""
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind is not None and kind.group(1) == "checkbox":
            if " checked" in tag:
                value = re.search(r'value="([^"]*)"', tag)
                fields.setdefault(name.group(1), []).append(value.group(1) if value else "on")
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields.setdefault(name.group(1), []).append(html.unescape(value.group(1)) if value else "")
    return fields


def test_a_vedtak_with_ten_visits_and_three_links_changes_whole(
    client: TestClient, session: Session, world: World
) -> None:
    """A vedtak made through the API with more visits and links than the form shows at first: «Endre fra en
    dato» offers every one of them, and saving the form as it came keeps all ten visits and three links."""
    coordinator = Principal(0, "koord", Role.coordinator, frozenset({world.team_a}), None)
    visits = [
        {
            "label": f"besøk {i}",
            "window_start": f"{7 + i:02d}:00",
            "window_end": f"{7 + i:02d}:45",
            "tasks": [{"name": "tilsyn", "minutes": 10}],
        }
        for i in range(10)
    ]
    links = [
        {"from_label": f"besøk {i}", "to_label": f"besøk {i + 1}", "min_gap_minutes": 30} for i in (0, 3, 6)
    ]
    data = {
        "recipient_id": world.recipient_a,
        "valid_from": "2026-01-01",
        "weekdays": [1, 2, 3],
        "visits": visits,
        "links": links,
    }
    big = create_decision(session, principal=coordinator, data=DecisionCreate.model_validate(data))
    token = as_coordinator(client, "koord")
    path = f"/konsoll/brukere/{world.recipient_a}/vedtak/{big.id}/endre"
    fields = _filled_fields(client.get(path).text)
    assert fields["visit9_label"] == ["besøk 9"] and fields["link2_from"] == ["besøk 6"]
    fields |= {"form_token": [token], "valid_from": ["2026-06-01"]}
    assert client.post(path, data=fields, follow_redirects=False).status_code == 303
    session.expire_all()
    new = session.exec(
        select(ServiceDecision).where(
            ServiceDecision.recipient_id == world.recipient_a,
            ServiceDecision.valid_from == dt.date(2026, 6, 1),
        )
    ).one()
    public = to_public(session, new)
    assert len(public.visits) == 10 and len(public.links) == 3
