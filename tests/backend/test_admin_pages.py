"""The administrator's pages: logins created and changed through forms with the API's rules (errors next to
the field, nothing half-saved), a password reset ends the user's sessions, settings, the access log with
filters and a CSV export, the change log; no page for any other role. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.audit.models import AccessLog, AdminAction
from backend.auth.models import User
from backend.common.types import utcnow
from tests.backend.world import World, auth, web_login

STRONG = "et-sterkt-passord-42"


def form_token(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def as_admin(client: TestClient) -> str:
    assert web_login(client, "admin", follow_redirects=False).status_code == 303
    page = client.get("/admin/innlogginger")
    assert page.status_code == 200
    return form_token(page.text)


def test_logins_are_created_with_the_apis_rules_and_errors_by_the_field(
    client: TestClient, session: Session, world: World
) -> None:
    token = as_admin(client)
    listed = client.get("/admin/innlogginger", params={"q": "koord"})
    assert "<td>koord-b</td>" in listed.text and "<td>pleier</td>" not in listed.text  # search by username
    new = {
        "form_token": token,
        "username": "siri",
        "full_name": "Siri Dahl",
        "role": "coordinator",
        "team_ids": [str(world.team_a)],
    }
    weak = client.post("/admin/innlogginger", data={**new, "password": "kort", "password_again": "kort"})
    assert weak.status_code == 422 and 'id="password-error"' in weak.text and "minst 10 tegn" in weak.text
    mismatch = client.post(
        "/admin/innlogginger", data={**new, "password": STRONG, "password_again": STRONG + "x"}
    )
    assert mismatch.status_code == 422 and "Passordene er ikke like." in mismatch.text
    taken = client.post(
        "/admin/innlogginger", data={**new, "username": "koord", "password": STRONG, "password_again": STRONG}
    )
    assert taken.status_code == 409 or (taken.status_code == 422 and "allerede i bruk" in taken.text)
    assert session.exec(select(User).where(User.username == "siri")).first() is None  # nothing half-saved
    foreign = client.post(
        "/admin/innlogginger", data={**new, "form_token": "x", "password": STRONG, "password_again": STRONG}
    )
    assert foreign.status_code == 403
    made = client.post(
        "/admin/innlogginger",
        data={**new, "password": STRONG, "password_again": STRONG},
        follow_redirects=False,
    )
    assert made.status_code == 303
    siri = session.exec(select(User).where(User.username == "siri")).one()
    assert siri.full_name == "Siri Dahl"
    assert (
        session.exec(select(AdminAction).where(col(AdminAction.target).contains("siri"))).first() is not None
    )


def test_a_reset_password_ends_the_sessions_and_deactivation_logs_out(
    client: TestClient, session: Session, world: World
) -> None:
    token = as_admin(client)
    carer = session.exec(select(User).where(User.username == "pleier")).one()
    assert client.get("/api/v1/my/routes", headers=auth(world, "carer")).status_code == 200
    page = f"/admin/innlogginger/{carer.id}"
    assert "Nytt passord" in client.get(page).text
    reset = client.post(
        page,
        data={
            "form_token": token,
            "full_name": carer.full_name,
            "active": "on",
            "password": STRONG,
            "password_again": STRONG,
        },
    )
    assert reset.status_code == 200 and "Endringene er lagret" in reset.text  # after the redirect
    assert client.get("/api/v1/my/routes", headers=auth(world, "carer")).status_code == 401
    off = client.post(page, data={"form_token": token, "full_name": carer.full_name})  # «Aktiv» unticked
    assert off.status_code == 200
    session.expire_all()
    assert session.get(User, carer.id).active is False  # type: ignore[union-attr]
    assert client.get("/admin/innlogginger/999999").status_code == 404


def test_settings_refuse_bad_values_by_the_field(client: TestClient, world: World) -> None:
    token = as_admin(client)
    page = client.get("/admin/innstillinger")
    assert page.status_code == 200 and 'name="notice_quiet_start"' in page.text
    values = {
        "form_token": token,
        "name": "Lier",
        "notice_phone": "",
        "notice_threshold_minutes": "0",
        "notice_quiet_start": "21:00",
        "notice_quiet_end": "07:00",
        "early_tolerance_minutes": "5",
    }
    bad = client.post("/admin/innstillinger", data=values)
    assert bad.status_code == 422 and 'id="notice_threshold_minutes-error"' in bad.text
    good = client.post(
        "/admin/innstillinger",
        data={**values, "notice_threshold_minutes": "20", "allow_cross_team_nurses": "on"},
    )
    assert good.status_code == 200 and "Innstillingene er lagret" in good.text
    assert client.get("/api/v1/settings").json()["notice_threshold_minutes"] == 20


def test_access_log_filters_and_exports_for_the_data_protection_officer(
    client: TestClient, session: Session, world: World
) -> None:
    as_admin(client)
    user = session.exec(select(User).where(User.username == "koord")).one()
    session.add(
        AccessLog(
            at=utcnow(),
            user_id=user.id or 0,
            username="koord",
            role="coordinator",
            recipient_id=world.recipient_a,
            action="=HYPERLINK(x)",
            path="/x",
        )
    )
    session.add(
        AccessLog(
            at=utcnow(),
            user_id=user.id or 0,
            username="koord",
            role="coordinator",
            recipient_id=world.recipient_b,
            action="read",
            path="/y",
        )
    )
    session.commit()
    page = client.get("/admin/tilgangslogg", params={"bruker": "koord", "mottaker": str(world.recipient_a)})
    assert page.status_code == 200 and "=HYPERLINK(x)" in page.text and ">read<" not in page.text
    assert client.get("/admin/tilgangslogg", params={"fra": "i går"}).status_code == 422
    exported = client.get(
        "/admin/tilgangslogg.csv", params={"bruker": "koord", "mottaker": str(world.recipient_a)}
    )
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "tid;brukernavn;rolle;mottaker_id;handling;sti" and len(lines) == 2
    assert ";'=HYPERLINK(x);" in lines[1]  # a spreadsheet shows it as text
    assert "eksporterte tilgangslogg" in client.get("/admin/endringer").text


def test_no_admin_page_for_other_roles(client: TestClient, world: World) -> None:
    assert client.get("/admin", follow_redirects=False).status_code == 303  # to the login page
    for username in ("koord", "leder", "pleier"):
        client.cookies.clear()
        assert web_login(client, username, follow_redirects=False).status_code == 303
        for path in (
            "/admin",
            "/admin/innlogginger",
            "/admin/tilgangslogg",
            "/admin/tilgangslogg.csv",
            "/admin/innstillinger",
        ):
            answer = client.get(path)
            assert answer.status_code == 403, (username, path)
            assert "Kari" not in answer.text and "koord-b" not in answer.text
