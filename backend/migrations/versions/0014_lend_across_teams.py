"""visits a team has no room for may go to another team with room (municipality setting)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("municipality_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lend_across_teams", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("municipality_settings", schema=None) as batch_op:
        batch_op.drop_column("lend_across_teams")
