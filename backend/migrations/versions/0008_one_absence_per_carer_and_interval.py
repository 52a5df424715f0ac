"""the same absence (carer, start, end, reason) only once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 00:20:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # before the constraint: where a race stored an absence twice, the first stays
    op.execute(
        "DELETE FROM absence WHERE EXISTS (SELECT 1 FROM absence AS first WHERE first.carer_id = absence.carer_id"
        " AND first.start = absence.start AND first.\"end\" = absence.\"end\" AND first.reason = absence.reason"
        " AND first.id < absence.id)"
    )
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_absence_same', ['carer_id', 'start', 'end', 'reason'])


def downgrade() -> None:
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.drop_constraint('uq_absence_same', type_='unique')
