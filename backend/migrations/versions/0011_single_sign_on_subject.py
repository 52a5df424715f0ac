"""a login made by single sign-on is bound to the provider's subject

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oidc_subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.create_unique_constraint("uq_user_oidc_subject", ["oidc_subject"])


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_oidc_subject", type_="unique")
        batch_op.drop_column("oidc_subject")
