"""call_day_figures, agent_time_day_figures: the call-center sums per office day

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

Wire schema 8: the new replicated tables `call_day_figures` and `agent_time_day_figures`
(issue 20 §7), derived at the PBX's (and the agents') node from its own `call_figures`
and `agent_time_figures`, so a month's report by day and agent or group reads a row per
day instead of 96. Two indexes let a slot computed again sum its agents' days again
without reading the whole day. A node that already holds figures fills the new tables
with `fedcrm cti refigure DIR` (docs/operations.md); the rows replicate upward as usual.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CALL_SUMS = ("offered", "answered", "abandoned", "short_abandoned", "timeouts", "exit_empty",
             "exit_key", "answered_within_sl", "transfers", "ring_no_answer", "outbound_calls",
             "outbound_talk_seconds", "hold_seconds", "talk_seconds", "max_wait")  # fmt: skip
TIME_SUMS = ("signed_in", "not_ready", "wrap_up", "wrap_ups")


def _replicated(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=6), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("origin_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("seq", name=op.f(f"uq_{table}_seq")),
    ]


def upgrade() -> None:
    op.create_table(
        "call_day_figures",
        sa.Column("slot_start", sa.BigInteger(), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("agent_group", sa.String(length=40), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in CALL_SUMS),
        *_replicated("call_day_figures"),
    )
    op.create_table(
        "agent_time_day_figures",
        sa.Column("slot_start", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in TIME_SUMS),
        *_replicated("agent_time_day_figures"),
    )
    for table in ("call_day_figures", "agent_time_day_figures"):
        op.create_index(f"ix_{table}_origin", table, ["origin"], unique=False)
        op.create_index(f"ix_{table}_slot_start", table, ["slot_start"], unique=False)
    op.create_index(
        "ix_call_figures_agent_slot_start", "call_figures", ["agent", "slot_start"], unique=False
    )
    op.create_index(
        "ix_agent_time_figures_user_slot_start",
        "agent_time_figures",
        ["user_id", "slot_start"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_agent_time_figures_user_slot_start", table_name="agent_time_figures")
    op.drop_index("ix_call_figures_agent_slot_start", table_name="call_figures")
    for table in ("agent_time_day_figures", "call_day_figures"):
        op.drop_index(f"ix_{table}_slot_start", table_name=table)
        op.drop_index(f"ix_{table}_origin", table_name=table)
        op.drop_table(table)
