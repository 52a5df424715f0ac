"""Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from backend.db import normalise_url
from backend.migrations import upgrade_to_head
from backend.settings import Settings


def test_upgrade_to_head_matches_the_models(db_url: str) -> None:
    settings = Settings(database_url=db_url)
    upgrade_to_head(settings)
    upgrade_to_head(settings)  # a second run is a no-op
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert {"recipient", "service_decision", "visit_event", "access_log", "alembic_version"} <= tables
