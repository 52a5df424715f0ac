"""login back-off counters and the log of administrators' changes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 23:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.common.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=150), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure', backend.common.types.UTCDateTime(), nullable=False),
        sa.Column('blocked_until', backend.common.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'admin_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', backend.common.types.UTCDateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=100), nullable=False),
        sa.Column('action', sa.String(length=100), nullable=False),
        sa.Column('target', sa.String(length=300), nullable=False),
        sa.Column('grants_access', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('admin_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_action_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_action_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('admin_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_action_user_id'))
        batch_op.drop_index(batch_op.f('ix_admin_action_at'))
    op.drop_table('admin_action')
    op.drop_table('login_throttle')
