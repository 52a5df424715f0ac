"""`hjemmerute`: admin tasks from the command line. Errors print a message and exit non-zero."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from backend.admin.service import create_user
from backend.audit.service import log_admin_action
from backend.auth.models import User, UserCreate
from backend.auth.passwords import MIN_LENGTH
from backend.auth.service import Principal, team_ids_of
from backend.carers.models import Carer
from backend.common.enums import Role
from backend.common.localtime import local_date_of
from backend.common.types import utcnow
from backend.db import make_engine
from backend.errors import DomainError, validation_message
from backend.imports.service import ImportReport, import_recipients, import_rota, import_staff
from backend.settings import get_settings
from backend.teams.models import Team, TeamCreate
from backend.teams.service import create_team

cli = typer.Typer(
    help="hjemmerute – kjørelister for hjemmetjenesten", no_args_is_help=True, add_completion=False
)
import_cli = typer.Typer(help="Importer CSV-filer (alt eller ingenting)", no_args_is_help=True)
cli.add_typer(import_cli, name="import")
network_cli = typer.Typer(help="Veinett fra OpenStreetMap", no_args_is_help=True)
cli.add_typer(network_cli, name="network")
addresses_cli = typer.Typer(help="Adresser fra Matrikkelen (Kartverket)", no_args_is_help=True)
cli.add_typer(addresses_cli, name="addresses")
scenario_cli = typer.Typer(help="Realistiske kommuner for test og måling", no_args_is_help=True)
cli.add_typer(scenario_cli, name="scenario")


def _fail(message: str) -> None:
    typer.secho(f"Feil: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@cli.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from backend.migrations import upgrade_to_head

    upgrade_to_head(get_settings())
    typer.echo("Databasen er klar.")


@cli.command()
def demo(
    reset: Annotated[bool, typer.Option(help="Slett alt og last demoen på nytt")] = False,
    date: Annotated[str | None, typer.Option(help="Dato demoen skal gjelde (YYYY-MM-DD)")] = None,
    history_days: Annotated[
        int, typer.Option("--history-days", min=0, max=120, help="dager med simulert historikk før i dag")
    ] = 0,
) -> None:
    """Create the database and load the demo municipality (Helsinki centre OSM extract), with today's lists
    and, with --history-days, simulated days before today for the KPI dashboard."""
    from backend.demo import drop_everything, load_demo, plan_demo_day, simulate_history
    from backend.migrations import upgrade_to_head
    from backend.planning.networks import import_demo_networks, network_for

    settings = get_settings()
    try:
        today = dt.date.fromisoformat(date) if date else local_date_of(utcnow())
    except ValueError:
        _fail(f"«{date}» er ikke en dato på formen 2026-11-23")
        return
    engine = make_engine(settings)
    if reset:
        drop_everything(engine)
    upgrade_to_head(settings)
    import_demo_networks(settings.network_dir, settings.network_name)
    with Session(engine) as session:
        try:
            logins = load_demo(
                session, today=today, network=network_for(settings, "walk"), history_days=history_days
            )
        except ValueError as exc:
            _fail(str(exc))
            return
    typer.echo(f"Demodata for {today.isoformat()} er lastet inn i {settings.database_url}.")
    if history_days:
        typer.echo(f"Simulerer {history_days} dager før {today.isoformat()} (nøkkeltall med historikk) …")
        simulate_history(settings, engine, today=today, days=history_days, report=typer.echo)
    with Session(engine) as session:
        for line in plan_demo_day(session, settings=settings, today=today):
            typer.echo(line)
    typer.echo("Innlogginger:")
    for login in logins:
        typer.echo(f"  {login.username:<12} passord: {login.password:<16} ({login.role}: {login.note})")


def _acting(session: Session, username: str | None) -> Principal:
    """Who a command-line import acts as: a coordinator (their teams), or an administrator, who on the
    server's command line may import for every team (a municipality's first day has no coordinator yet).
    Without --as: the one administrator, if there is exactly one."""
    if username is None:
        admins = list(session.exec(select(User).where(User.role == Role.admin, col(User.active))))
        if len(admins) != 1:
            _fail("angi hvem importen gjøres for: --as BRUKERNAVN (en fagkoordinator eller administrator)")
        user: User | None = admins[0]
    else:
        user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None or user.id is None or not user.active or user.role not in (Role.coordinator, Role.admin):
        _fail(f"«{username}» er ikke en aktiv fagkoordinator eller administrator")
        raise AssertionError
    if user.role == Role.admin:
        every_team = frozenset(t.id or 0 for t in session.exec(select(Team)))
        return Principal(user.id, user.username, Role.coordinator, every_team, None)
    return Principal(user.id, user.username, user.role, team_ids_of(session, user.id), None)


def _read_file(path: Path) -> bytes:
    if not path.is_file():
        _fail(f"finner ikke filen {path}")
    return path.read_bytes()


def _report_domain_error(exc: DomainError) -> None:
    typer.secho(f"Feil: {exc.message}", fg=typer.colors.RED, err=True)
    for err in exc.errors:
        column = f" [{err['field']}]" if err.get("field") else ""
        typer.secho(f"  {err['file']} linje {err['line']}{column}: {err['message']}", err=True)
    raise typer.Exit(code=1)


def _run_import(acting_as: str | None, run: Callable[[Session, Principal], ImportReport]) -> None:
    """Run an import as a coordinator or administrator; a rejected import lists its lines and exits 1."""
    with Session(make_engine(get_settings())) as session:
        principal = _acting(session, acting_as)
        try:
            report = run(session, principal)
        except DomainError as exc:
            _report_domain_error(exc)
            return
    typer.echo(f"Importert: {report.created}")


AsOption = Annotated[
    str | None,
    typer.Option(
        "--as", help="fagkoordinator eller administrator importen gjøres for (standard: den ene admin)"
    ),
]


@import_cli.command("staff")
def import_staff_cmd(
    staff: Annotated[Path, typer.Argument(help="ansatte.csv")], coordinator: AsOption = None
) -> None:
    """Import staff (ansatte) before their rota."""
    staff_csv = _read_file(staff)
    _run_import(
        coordinator,
        lambda session, principal: import_staff(session, principal=principal, staff_csv=staff_csv),
    )


@import_cli.command("recipients")
def import_recipients_cmd(
    recipients: Annotated[Path, typer.Argument(help="brukere.csv")],
    decisions: Annotated[Path | None, typer.Option("--decisions", help="vedtak.csv")] = None,
    coordinator: AsOption = None,
) -> None:
    """Import recipients and their vedtak."""
    recipients_csv = _read_file(recipients)
    decisions_csv = None if decisions is None else _read_file(decisions)
    _run_import(
        coordinator,
        lambda session, principal: import_recipients(
            session, principal=principal, recipients_csv=recipients_csv, decisions_csv=decisions_csv
        ),
    )


@import_cli.command("rota")
def import_rota_cmd(
    rota: Annotated[Path, typer.Argument(help="turnus.csv")],
    coordinator: AsOption = None,
) -> None:
    """Import rota (turnus)."""
    rota_csv = _read_file(rota)
    _run_import(
        coordinator, lambda session, principal: import_rota(session, principal=principal, rota_csv=rota_csv)
    )


def _parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        _fail(f"«{text}» er ikke en boks på formen V,S,Ø,N (f.eks. 10.20,59.70,10.40,59.80)")
        raise AssertionError from None
    if not (west < east and south < north and west >= -180 and east <= 180 and south >= -90 and north <= 90):
        _fail(f"boksen {text} er ugyldig: vest må være mindre enn øst og sør mindre enn nord")
    return (west, south, east, north)


@network_cli.command("import")
def network_import(
    pbf: Annotated[Path, typer.Option("--pbf", help="OSM-utdrag (.osm.pbf), f.eks. fra Geofabrik")],
    name: Annotated[str, typer.Option("--name", help="navn på nettet, f.eks. lier")],
    bbox: Annotated[str | None, typer.Option("--bbox", help="V,S,Ø,N i grader")] = None,
    modes: Annotated[str, typer.Option("--modes", help="reisemåter")] = "car,walk,bike",
) -> None:
    """Build and store the road networks (GraphML) of an OSM extract, one per travel mode."""
    from maps import MapError, load_network, save_network

    box = _parse_bbox(bbox)
    if not name.replace("-", "").replace("_", "").isalnum():
        _fail(f"«{name}» kan bare ha bokstaver, tall, - og _")
    target = get_settings().network_dir
    for mode in [m.strip() for m in modes.split(",") if m.strip()]:
        try:
            network = load_network(pbf, mode, bbox=box, name=name)
            save_network(network, target / f"{name}-{mode}.graphml")
        except MapError as exc:
            _fail(str(exc))
            return
        typer.echo(
            f"{name} ({mode}): {network.graph.number_of_nodes()} noder, {network.graph.number_of_edges()} "
            f"veilenker → {target / f'{name}-{mode}.graphml'}"
        )


@addresses_cli.command("import")
def addresses_import(
    path: Annotated[Path, typer.Argument(help="Matrikkelen-adresser (CSV, EPSG:4258)")],
) -> None:
    """Import a municipality's addresses from Kartverket's CSV (replaces that municipality's earlier import)."""
    from backend.addresses.service import import_addresses

    content = _read_file(path)
    with Session(make_engine(get_settings())) as session:
        try:
            count = import_addresses(session, content=content)
        except DomainError as exc:
            _fail(exc.message)
            return
    typer.echo(f"Importert {count} adresser fra {path.name}.")


@scenario_cli.command("generate")
def scenario_generate(
    preset: Annotated[str, typer.Option("--preset", help="demo, lier eller growth-2030")] = "demo",
    network: Annotated[
        Path | None, typer.Option("--network", help="OSM-utdrag (.osm.pbf); demo bruker det innebygde")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    date: Annotated[str | None, typer.Option("--date", help="første dag i turnusen (YYYY-MM-DD)")] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="dager med turnus")] = 7,
    out: Annotated[
        Path | None, typer.Option("--out", help="skriv JSON hit i stedet for til databasen")
    ] = None,
) -> None:
    """Generate a municipality (teams, staff, rota, recipients, vedtak) from a preset, deterministic for a seed."""
    import datetime as dt

    from backend.scenarios.generator import generate
    from backend.scenarios.presets import PRESETS
    from backend.scenarios.store import reachable_places, store
    from maps import MapError, bundled_extract_path, load_network

    if preset not in PRESETS:
        _fail(f"ukjent forhåndsvalg «{preset}»; velg blant {', '.join(PRESETS)}")
        return
    chosen = PRESETS[preset]
    pbf = network or (bundled_extract_path() if chosen.extract == "bundled" else None)
    if pbf is None:
        _fail(
            f"«{preset}» trenger --network UTDRAG.osm.pbf (f.eks. ../shared/osm/liechtenstein-latest.osm.pbf)"
        )
        return
    try:
        start = dt.date.fromisoformat(date) if date else dt.date.today()
        roads = load_network(pbf, chosen.transport.value)
        scenario = generate(chosen, reachable_places(pbf, roads), seed=seed, start=start, days=days)
    except (MapError, ValueError) as exc:
        _fail(str(exc))
        return
    if out is not None:
        out.write_text(scenario.to_json(), encoding="utf-8")
        typer.echo(f"Scenario «{preset}» (frø {seed}) skrevet til {out}.")
        return
    from backend.migrations import upgrade_to_head

    settings = get_settings()
    upgrade_to_head(settings)
    with Session(make_engine(settings)) as session:
        try:
            counts = store(session, scenario)
        except DomainError as exc:
            _fail(exc.message)
            return
    typer.echo(
        f"Scenario «{preset}» (frø {seed}) lagret: " + ", ".join(f"{v} {k}" for k, v in counts.items())
    )


@cli.command()
def simulate(
    date: Annotated[
        str | None, typer.Option("--date", help="dagen som spilles av (YYYY-MM-DD), i dag om tom")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    replan: Annotated[
        bool, typer.Option("--replan/--no-replan", help="planlegg om ved sykdom og akuttbesøk")
    ] = True,
    notices: Annotated[
        bool, typer.Option("--notices/--no-notices", help="send SMS-varsel ved forsinkelse")
    ] = True,
    tick_minutes: Annotated[
        int, typer.Option("--tick-minutes", min=1, max=60, help="ETA-sjekk hvert n. minutt")
    ] = 1,
) -> None:
    """Replay a published day minute by minute through the API (drawn visit and travel times, sick calls at
    07:30, an urgent visit at 10:00) and print punctuality, lateness, notice coverage and shares."""
    from backend.simulation.replay import Options, SimulationError
    from backend.simulation.service import simulate_day

    try:
        day = dt.date.fromisoformat(date) if date else local_date_of(utcnow())
    except ValueError:
        _fail(f"«{date}» er ikke en dato (YYYY-MM-DD)")
        return
    try:
        result = simulate_day(
            get_settings(),
            Options(day=day, seed=seed, replan=replan, notices=notices, tick_minutes=tick_minutes),
        )
    except DomainError as exc:
        _fail(exc.message)
        return
    except SimulationError as exc:
        _fail(str(exc))
        return
    log = result.log
    typer.echo(
        f"{day.isoformat()}: {log.events} hendelser, syke {len(log.sick_carers)}, "
        f"omplanlegginger {log.replans}, akuttbesøk hos bruker {log.urgent_recipient}"
    )
    for line in result.figures.lines():
        typer.echo(line)


@cli.command("create-admin")
def create_admin(username: str) -> None:
    """Create the first admin login on a fresh production database. The password is asked for (typed twice,
    never on the command line where `ps` and the shell history would keep it), or read from
    HJEMMERUTE_ADMIN_PASSWORD for an unattended install."""
    secret = os.environ.get("HJEMMERUTE_ADMIN_PASSWORD") or _ask_new_password()
    with Session(make_engine(get_settings())) as session:
        try:
            user = create_user(
                session,
                data=UserCreate(username=username, full_name=username, password=secret, role=Role.admin),
            )
        except DomainError as exc:
            _fail(exc.message)
            return
        except ValidationError as exc:
            _fail("; ".join(validation_message(e["msg"]) for e in exc.errors()))
            return
    typer.echo(f"Administrator «{user.username}» er opprettet.")


team_cli = typer.Typer(help="Team (første dag: lag teamene før ansatte og brukere)", no_args_is_help=True)
cli.add_typer(team_cli, name="team")
user_cli = typer.Typer(help="Innlogginger", no_args_is_help=True)
cli.add_typer(user_cli, name="user")
ROLE_NAMES = {
    "admin": Role.admin,
    "leder": Role.manager,
    "koordinator": Role.coordinator,
    "pleier": Role.carer,
}


def _invalid(exc: ValidationError) -> None:
    _fail(
        "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
    )


@team_cli.command("create")
def team_create(
    name: str,
    base_address: Annotated[str, typer.Option("--base-address", help="teamets base (oppmøtested)")],
    lat: Annotated[float, typer.Option(help="basens breddegrad")],
    lon: Annotated[float, typer.Option(help="basens lengdegrad")],
) -> None:
    """Create a team (the unit coordinators plan for; carers start and end at its base)."""
    with Session(make_engine(get_settings())) as session:
        try:
            team = create_team(
                session, data=TeamCreate(name=name, base_address=base_address, base_lat=lat, base_lon=lon)
            )
            log_admin_action(session, principal=None, action="team created", target=f"team {team.name}")
            session.commit()
        except ValidationError as exc:
            _invalid(exc)
        except DomainError as exc:
            _fail(exc.message)
        typer.echo(f"Team «{team.name}» er opprettet (id {team.id}).")


@user_cli.command("create")
def user_create(
    username: str,
    role: Annotated[str, typer.Option(help="koordinator, leder, pleier eller admin")],
    team: Annotated[
        list[str] | None, typer.Option(help="teamets navn (koordinator og leder; kan gjentas)")
    ] = None,
    employee_id: Annotated[str | None, typer.Option("--employee-id", help="pleierens ansattnummer")] = None,
    full_name: Annotated[str | None, typer.Option("--full-name")] = None,
) -> None:
    """Create a login. The password is asked for twice (or read from HJEMMERUTE_USER_PASSWORD)."""
    if role not in ROLE_NAMES:
        _fail(f"ukjent rolle «{role}»: bruk {', '.join(ROLE_NAMES)}")
    with Session(make_engine(get_settings())) as session:
        team_ids = []
        for name in team or []:
            found = session.exec(select(Team).where(func.lower(Team.name) == name.strip().lower())).first()
            if found is None:
                _fail(f"finner ikke team «{name}» (lag det med «hjemmerute team create»)")
            team_ids.append(found.id or 0)  # type: ignore[union-attr]
        carer = (
            session.exec(select(Carer).where(Carer.external_id == employee_id)).first()
            if employee_id
            else None
        )
        if employee_id and carer is None:
            _fail(f"ingen pleier har ansattnummer «{employee_id}» (importer ansatte først)")
        secret = os.environ.get("HJEMMERUTE_USER_PASSWORD") or _ask_new_password()
        try:
            data = UserCreate(
                username=username,
                full_name=full_name or (carer.name if carer else username),
                password=secret,
                role=ROLE_NAMES[role],
                carer_id=carer.id if carer else None,
                team_ids=team_ids,
            )
            user = create_user(session, data=data)
        except ValidationError as exc:
            _invalid(exc)
        except DomainError as exc:
            _fail(exc.message)
    typer.echo(f"Innlogging «{user.username}» ({role}) er opprettet.")


def _ask_new_password() -> str:
    secret = getpass.getpass(f"Passord (minst {MIN_LENGTH} tegn): ")
    if getpass.getpass("Gjenta passordet: ") != secret:
        _fail("Passordene er ikke like.")
    return secret


@cli.command("visit-plans")
def visit_plans_cmd(
    week: Annotated[str | None, typer.Option(help="ISO-uke, f.eks. 2026-W49 (standard: neste uke)")] = None,
) -> None:
    """Send next week's besøksplan by SMS to the recipients who consented (what the worker does on Sunday
    evenings; for installations without a worker). Sent once per recipient and week."""
    from backend.notices.visit_plans import next_monday, queue_visit_plans
    from backend.stats.service import parse_iso_week

    try:
        monday = parse_iso_week(week) if week else next_monday(local_date_of(utcnow()))
    except ValueError as exc:
        _fail(str(exc))
        return
    settings = get_settings()
    with Session(make_engine(settings)) as session:
        queued = queue_visit_plans(session, monday=monday, now=utcnow(), settings=settings)
    typer.echo(f"{queued} besøksplaner for uke {monday.isocalendar().week} lagt i utboksen.")


@cli.command()
def backup(target: Path) -> None:
    """SQLite: a consistent copy of the database taken while the app runs (sqlite3's online backup).
    PostgreSQL is backed up with pg_dump (docs/operations.md)."""
    settings = get_settings()
    url = settings.database_url
    if not url.startswith("sqlite:///"):
        _fail("Databasen er PostgreSQL: ta sikkerhetskopi med pg_dump (se docs/operations.md).")
        return
    source = Path(url.removeprefix("sqlite:///"))
    if not source.exists():
        _fail(f"finner ikke databasen {source}")
        return
    if target.exists():
        _fail(f"{target} finnes allerede; velg et nytt filnavn (en sikkerhetskopi overskrives aldri)")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    typer.echo(f"Sikkerhetskopi skrevet til {target} ({target.stat().st_size // 1024} KiB).")


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=32, help="uvicorn-prosesser (PostgreSQL ved flere enn 1)")
    ] = 1,
) -> None:
    """Serve the API, the coordinator pages and the carer app; with --workers N, N processes share the
    port (each builds its own app; jobs and notices go through PostgreSQL, so they see the same work)."""
    import uvicorn

    from backend.app import create_app
    from backend.ops.logs import log_config

    settings = get_settings()
    if workers > 1 and not settings.is_postgres:
        _fail("Flere prosesser krever PostgreSQL (DATABASE_URL); den innebygde SQLite-databasen bruker én.")
        return
    typer.echo(f"hjemmerute kjører på http://{host}:{port}  (Ctrl+C for å stoppe)")
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_config=log_config())
    else:
        uvicorn.run(
            "backend.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=log_config(),
        )


@cli.command()
def worker(
    concurrency: int = 1,
    schema_wait: Annotated[int, typer.Option(min=0, max=3600, help="sekunder å vente på migreringene")] = 300,
) -> None:
    """Run a procrastinate worker (PostgreSQL only); start as many as you like. It waits until the API (or
    `init-db`) has migrated the database, so workers and API processes can start together."""
    from backend.jobs.runner import ProcrastinateRunner, ensure_procrastinate_schema
    from backend.migrations import wait_for_schema
    from backend.tasks import register as register_tasks

    settings = get_settings()
    if not settings.is_postgres:
        _fail(
            "arbeideren krever PostgreSQL (sett DATABASE_URL=postgresql://…); med SQLite kjører jobbene i API-et"
        )
    if not wait_for_schema(settings, timeout_s=schema_wait):
        _fail(
            f"databasen er ikke migrert etter {schema_wait} s: kjør «hjemmerute init-db» (API-et gjør det ved start)"
        )
    ensure_procrastinate_schema(settings)
    register_tasks()
    ProcrastinateRunner(settings, make_engine(settings)).run_forever(concurrency=concurrency)


def main() -> None:
    cli()
