"""plan revisions, one published plan per team, date and shift, pinned stops

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 20:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED_ONLY = sa.text("status = 'published'")


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('from_revision', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('absence_mark', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('stop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pinned', sa.Boolean(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('pinned_time', sa.Boolean(), nullable=False, server_default='0'))
    # before the constraint: where a race left two published plans, the newest stays published
    op.execute(
        "UPDATE plan SET status = 'superseded' WHERE status = 'published' AND EXISTS ("
        " SELECT 1 FROM plan AS newer WHERE newer.status = 'published' AND newer.team_id = plan.team_id"
        " AND newer.date = plan.date AND newer.shift_kind = plan.shift_kind AND newer.id > plan.id)"
    )
    op.execute("UPDATE plan SET revision = 1 WHERE status = 'published'")
    op.create_index(
        'uq_plan_published',
        'plan',
        ['team_id', 'date', 'shift_kind'],
        unique=True,
        sqlite_where=PUBLISHED_ONLY,
        postgresql_where=PUBLISHED_ONLY,
    )


def downgrade() -> None:
    op.drop_index('uq_plan_published', table_name='plan')
    with op.batch_alter_table('stop', schema=None) as batch_op:
        batch_op.drop_column('pinned_time')
        batch_op.drop_column('pinned')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('absence_mark')
        batch_op.drop_column('from_revision')
        batch_op.drop_column('revision')
