"""call_figures: CCmonitor's mergeable sums per 15-minute slot, queue and agent

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

Wire schema 4: the new replicated table `call_figures` (issue 20 §7), derived at the
node whose PBX reported the calls, so parents compare their children's call centers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_figures",
        sa.Column("slot_start", sa.BigInteger(), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("agent_group", sa.String(length=40), nullable=True),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("short_abandoned", sa.Integer(), nullable=False),
        sa.Column("timeouts", sa.Integer(), nullable=False),
        sa.Column("exit_empty", sa.Integer(), nullable=False),
        sa.Column("exit_key", sa.Integer(), nullable=False),
        sa.Column("answered_within_sl", sa.Integer(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("ring_no_answer", sa.Integer(), nullable=False),
        sa.Column("outbound_calls", sa.Integer(), nullable=False),
        sa.Column("outbound_talk_seconds", sa.Integer(), nullable=False),
        sa.Column("hold_seconds", sa.Integer(), nullable=False),
        sa.Column("talk_seconds", sa.Integer(), nullable=False),
        sa.Column("max_wait", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=6), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("origin_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_figures")),
        sa.UniqueConstraint("seq", name=op.f("uq_call_figures_seq")),
    )
    op.create_index("ix_call_figures_origin", "call_figures", ["origin"], unique=False)
    op.create_index("ix_call_figures_slot_start", "call_figures", ["slot_start"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_call_figures_slot_start", table_name="call_figures")
    op.drop_index("ix_call_figures_origin", table_name="call_figures")
    op.drop_table("call_figures")
