"""agent_time_figures: agents' working time as mergeable sums per 15-minute slot

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

Wire schema 5: the new replicated table `agent_time_figures` (issue 20 §7, Worktime),
derived at the agent's node from their state changes, so a report by agent over a month
reads sums instead of millions of changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_time_figures",
        sa.Column("slot_start", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("signed_in", sa.Integer(), nullable=False),
        sa.Column("not_ready", sa.Integer(), nullable=False),
        sa.Column("wrap_up", sa.Integer(), nullable=False),
        sa.Column("wrap_ups", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=6), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("origin_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_time_figures")),
        sa.UniqueConstraint("seq", name=op.f("uq_agent_time_figures_seq")),
    )
    op.create_index("ix_agent_time_figures_origin", "agent_time_figures", ["origin"], unique=False)
    op.create_index(
        "ix_agent_time_figures_slot_start", "agent_time_figures", ["slot_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_agent_time_figures_slot_start", table_name="agent_time_figures")
    op.drop_index("ix_agent_time_figures_origin", table_name="agent_time_figures")
    op.drop_table("agent_time_figures")
