"""Geocoding from Kartverket's Matrikkelen address CSV: import per municipality, tolerant lookups."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from backend.addresses.models import Address
from backend.cli import cli
from backend.settings import get_settings
from tests.backend.world import World, auth

HEADER = (
    "lokalid;kommunenummer;kommunenavn;adressetype;adressenavn;nummer;bokstav;postnummer;poststed;"
    "SOSI-koordinatsystem;Nord;Øst"
)
ROWS = [
    "1001;3049;LIER;vegadresse;Storgata;5;;3400;LIER;4258;59,78391;10,23970",
    "1002;3049;LIER;vegadresse;Storgata;5;B;3400;LIER;4258;59,78402;10,23991",
    "1003;3049;LIER;vegadresse;Øvre Ask vei;12;;3410;SYLLING;4258;59,81234;10,26789",
    "1004;3049;LIER;vegadresse;Kirkeveien;2;;3400;LIER;4258;59,78100;10,24100",
    "1005;3049;LIER;vegadresse;Kirkeveien;2;;3420;LIERSKOGEN;4258;59,77000;10,30000",
]


def _csv(rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def imported(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: TestClient) -> Path:
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    path = tmp_path / "adresser.csv"
    path.write_bytes(_csv(ROWS))
    result = CliRunner().invoke(cli, ["addresses", "import", str(path)])
    assert result.exit_code == 0 and "Importert 5 adresser" in result.output, result.output
    yield path
    get_settings.cache_clear()


def test_lookup_ignores_case_spacing_and_finds_letters(
    client: TestClient, world: World, imported: Path
) -> None:
    headers = auth(world, "coordinator")
    found = client.get(
        "/api/v1/addresses/lookup",
        headers=headers,
        params={"street": "  STORGATA ", "number": 5, "letter": "b"},
    ).json()
    assert (found["lat"], found["lon"], found["letter"]) == (59.78402, 10.23991, "B")
    plain = client.get(
        "/api/v1/addresses/lookup", headers=headers, params={"street": "storgata", "number": 5}
    ).json()
    assert plain["lat"] == 59.78391
    ovre = client.get(
        "/api/v1/addresses/lookup", headers=headers, params={"street": "øvre  ask vei", "number": 12}
    ).json()
    assert ovre["label"] == "Øvre Ask vei 12, 3410 SYLLING"


def test_ambiguous_and_unknown_addresses_are_explained(
    client: TestClient, world: World, imported: Path
) -> None:
    headers = auth(world, "coordinator")
    twice = client.get(
        "/api/v1/addresses/lookup", headers=headers, params={"street": "Kirkeveien", "number": 2}
    )
    assert twice.status_code == 422 and "oppgi postnummer" in twice.json()["detail"]
    one = client.get(
        "/api/v1/addresses/lookup",
        headers=headers,
        params={"street": "Kirkeveien", "number": 2, "postcode": "3420"},
    )
    assert one.json()["city"] == "LIERSKOGEN"
    missing = client.get(
        "/api/v1/addresses/lookup", headers=headers, params={"street": "Finnesikke", "number": 1}
    )
    assert missing.status_code == 404 and "Matrikkelen" in missing.json()["detail"]


def test_a_bad_file_changes_nothing_and_a_new_import_replaces_the_municipality(
    imported: Path, session: Session, tmp_path: Path
) -> None:
    runner = CliRunner()
    bad = tmp_path / "feil.csv"
    bad.write_bytes(_csv([*ROWS[:2], "1009;3049;LIER;vegadresse;Storgata;fem;;3400;LIER;4258;59,7;10,2"]))
    result = runner.invoke(cli, ["addresses", "import", str(bad)])
    assert result.exit_code == 1 and "line 4" in result.output and "ingenting er lagret" in result.output
    count = session.exec(
        select(func.count()).select_from(Address).where(Address.municipality == "3049")
    ).one()
    assert (
        count == 5
    )  # the import replaced the world fixture's own 3049 address; the bad file changed nothing
    newer = tmp_path / "ny.csv"
    newer.write_bytes(_csv(ROWS[:2]))
    assert runner.invoke(cli, ["addresses", "import", str(newer)]).exit_code == 0
    session.expire_all()
    count = session.exec(
        select(func.count()).select_from(Address).where(Address.municipality == "3049")
    ).one()
    assert count == 2
