"""why a visit was not done, and undo as a correcting event

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 00:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASONS = sa.Enum('not_home', 'cancelled_by_recipient', 'hospital', 'other', name='notdonereason')


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("ALTER TYPE visiteventkind ADD VALUE IF NOT EXISTS 'undo'")
        REASONS.create(bind, checkfirst=True)
    with op.batch_alter_table('visit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', REASONS, nullable=True))
        batch_op.add_column(sa.Column('undoes', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_visit_event_undoes'), ['undoes'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_event_undoes'))
        batch_op.drop_column('undoes')
        batch_op.drop_column('reason')
    if op.get_bind().dialect.name == 'postgresql':
        REASONS.drop(op.get_bind(), checkfirst=True)
