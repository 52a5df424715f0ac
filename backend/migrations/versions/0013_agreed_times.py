"""agreed times: proposals, the recipient's agreement, notices without a stop

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 08:39:27.818176
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.common.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposal_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("monday", sa.Date(), nullable=False),
        sa.Column("created_at", backend.common.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("within_before", sa.Integer(), nullable=False),
        sa.Column("within_after", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("staffing", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("proposal_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_run_monday"), ["monday"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_run_team_id"), ["team_id"], unique=False)

    op.create_table(
        "time_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("decision_visit_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("current_start", sa.Time(), nullable=False),
        sa.Column("current_end", sa.Time(), nullable=False),
        sa.Column("proposed_start", sa.Time(), nullable=False),
        sa.Column("proposed_end", sa.Time(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("days_after", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("proposed", "accepted", "rejected", "replaced", name="proposalstatus"),
            nullable=False,
        ),
        sa.Column("decided_at", backend.common.types.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("agreed_start", sa.Time(), nullable=True),
        sa.Column("agreed_end", sa.Time(), nullable=True),
        sa.Column("asked_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("asked_on", sa.Date(), nullable=True),
        sa.Column("asked_how", sa.Enum("phone", "visit", "letter", "sms", name="askedhow"), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("new_decision_id", sa.Integer(), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("rejected_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(["decision_visit_id"], ["decision_visit.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["new_decision_id"], ["service_decision.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recipient_id"], ["recipient.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["proposal_run.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("time_proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_proposal_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_time_proposal_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_time_proposal_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_time_proposal_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.alter_column("stop_id", existing_type=sa.INTEGER(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.alter_column("stop_id", existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table("time_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_proposal_team_id"))
        batch_op.drop_index(batch_op.f("ix_time_proposal_status"))
        batch_op.drop_index(batch_op.f("ix_time_proposal_run_id"))
        batch_op.drop_index(batch_op.f("ix_time_proposal_recipient_id"))

    op.drop_table("time_proposal")
    with op.batch_alter_table("proposal_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_run_team_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_run_monday"))

    op.drop_table("proposal_run")
    sa.Enum(name="askedhow").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="proposalstatus").drop(op.get_bind(), checkfirst=True)
