"""The pages in nynorsk: every text a template shows has its nynorsk form in the catalogue (a new text without
one fails here), the switch in the header remembers the choice and returns only to a path on this site,
and a coordinator's pages then read in nynorsk while the data stay as they were. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from backend.common.enums import NORWEGIAN_LABELS
from backend.common.localtime import WEEKDAYS as LONG_WEEKDAYS
from backend.web.agreement_pages import PAGE_TEXTS as AGREEMENT_TEXTS
from backend.web.console import SHIFT_LABELS
from backend.web.decision_form import WEEKDAYS
from backend.web.i18n import LANGUAGE_COOKIE, catalogue_key
from backend.web.kpi_pages import LABELS as KPI_LABELS
from backend.web.nynorsk import NYNORSK
from tests.backend.world import World, web_login

TEMPLATES = Path(__file__).parents[2] / "backend" / "web" / "templates"
TRANSLATED = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*\)""", re.S)


def template_texts() -> set[str]:
    texts = set()
    for template in TEMPLATES.glob("*.html"):
        for match in TRANSLATED.finditer(template.read_text(encoding="utf-8")):
            text = match.group(1) if match.group(1) is not None else match.group(2)
            texts.add(catalogue_key(text.replace('\\"', '"')))
    return texts


def label_texts() -> set[str]:
    """The labels the server puts into pages (statuses, shifts, roles, travel modes, KPI names)."""
    kpis = {text for pair in KPI_LABELS.values() for text in pair}
    return set(NORWEGIAN_LABELS.values()) | set(SHIFT_LABELS.values()) | kpis | AGREEMENT_TEXTS


def test_every_text_of_the_pages_has_its_nynorsk_form() -> None:
    texts = template_texts() | {name for _, name in WEEKDAYS} | set(LONG_WEEKDAYS) | label_texts()
    assert len(texts) > 200
    assert sorted(texts - NYNORSK.keys()) == []
    assert sorted(NYNORSK.keys() - texts) == [], "catalogue entries no page uses"
    assert sum(NYNORSK[t] != t for t in texts) > 150  # most texts differ between the two


def test_a_coordinator_reads_the_pages_in_nynorsk(client: TestClient, world: World) -> None:
    web_login(client, "koord", follow_redirects=False)
    page = client.get(f"/konsoll/brukere/{world.recipient_a}")
    assert (
        '<html lang="nb">' in page.text
        and "Lagre endringene" in page.text
        and "Nynorsk</button>" in page.text
    )
    for foreign in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        sent = client.post("/sprak", data={"sprak": "nn", "tilbake": foreign}, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == "/"
    chosen = client.post(
        "/sprak",
        data={"sprak": "nn", "tilbake": "/konsoll/brukere?q=a&offset=0"},
        follow_redirects=False,
    )
    assert chosen.headers["location"] == "/konsoll/brukere?q=a&offset=0"
    assert client.cookies.get(LANGUAGE_COOKIE) == "nn"
    page = client.get(f"/konsoll/brukere/{world.recipient_a}")
    assert '<html lang="nn">' in page.text
    for nynorsk in ("Brukarar", "Lagre endringane", "Pårørande", "Vekedagar", "Bokmål</button>"):
        assert nynorsk in page.text, nynorsk
    assert "Lagre endringene" not in page.text
    listing = client.get("/konsoll/brukere")
    assert "Søk i namn, brukarnummer og adresse" in listing.text
    client.post("/sprak", data={"sprak": "xx", "tilbake": "/"})  # unknown: back to bokmål
    assert 'lang="nb"' in client.get("/konsoll/brukere").text
