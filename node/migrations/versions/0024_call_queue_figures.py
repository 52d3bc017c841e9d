"""call_queue_figures: CCmonitor's sums per slot and queue, without the agent

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

Wire schema 7: the new replicated table `call_queue_figures` (issue 20 §7), derived at
the PBX's node from its own `call_figures`, so a month's report by slot, queue or node
reads a row per slot and queue. A node that already holds call figures fills it with
`fedcrm cti refigure DIR` (docs/operations.md); the rows replicate upward as usual.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = ("offered", "answered", "abandoned", "short_abandoned", "timeouts", "exit_empty",
        "exit_key", "answered_within_sl", "transfers", "ring_no_answer", "outbound_calls",
        "outbound_talk_seconds", "hold_seconds", "talk_seconds", "max_wait")  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "call_queue_figures",
        sa.Column("slot_start", sa.BigInteger(), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in SUMS),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=6), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("origin_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_queue_figures")),
        sa.UniqueConstraint("seq", name=op.f("uq_call_queue_figures_seq")),
    )
    op.create_index("ix_call_queue_figures_origin", "call_queue_figures", ["origin"], unique=False)
    op.create_index(
        "ix_call_queue_figures_slot_start", "call_queue_figures", ["slot_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_call_queue_figures_slot_start", table_name="call_queue_figures")
    op.drop_index("ix_call_queue_figures_origin", table_name="call_queue_figures")
    op.drop_table("call_queue_figures")
