"""Alembic migrations, run programmatically so `hjemmerute init-db` works from any directory."""

from __future__ import annotations

import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from backend.db import normalise_url
from backend.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(settings.database_url).replace("%", "%%"))
    return config


def upgrade_to_head(settings: Settings) -> None:
    """Create or upgrade the schema to the newest revision."""
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings), "head")


def head_revision() -> str:
    """The newest migration the code knows."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def schema_revision(connection: Connection) -> str | None:
    """The migration the database stands at (None: never migrated)."""
    from alembic.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def wait_for_schema(settings: Settings, *, timeout_s: float, poll_s: float = 2.0) -> bool:
    """Wait until the database answers and stands at the newest migration (True) or the time is up."""
    engine = create_engine(normalise_url(settings.database_url))
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                with engine.connect() as connection:
                    if schema_revision(connection) == head_revision():
                        return True
            except Exception:  # not up yet: keep waiting
                pass
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll_s)
    finally:
        engine.dispose()
