"""the weekly besøksplan: the recipient's consent to get it by SMS, and whether it names the carers

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recipient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visit_plan_consent", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("municipality_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("visit_plan_carer_names", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("municipality_settings", schema=None) as batch_op:
        batch_op.drop_column("visit_plan_carer_names")
    with op.batch_alter_table("recipient", schema=None) as batch_op:
        batch_op.drop_column("visit_plan_consent")
