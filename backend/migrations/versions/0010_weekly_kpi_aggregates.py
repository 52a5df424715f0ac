"""weekly KPI aggregates per team and ISO week, with marks for weeks that changed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.common.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kpi_week",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("monday", sa.Date(), nullable=False),
        sa.Column("early_tolerance_minutes", sa.Integer(), nullable=False),
        sa.Column("plans", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.Column("computed_at", backend.common.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "monday"),
    )
    op.create_table(
        "kpi_dirty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("monday", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kpi_dirty", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_dirty_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kpi_dirty_monday"), ["monday"], unique=False)


def downgrade() -> None:
    op.drop_table("kpi_dirty")
    op.drop_table("kpi_week")
