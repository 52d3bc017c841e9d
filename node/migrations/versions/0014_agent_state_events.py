"""agents' state changes (签到, 示闲, 示忙, 通话, 话后处理, 签退)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

Wire schema 3 (not yet released when this was added): the replicated table
`agent_state_events`, one row per change of an agent's state. A new table, so an older
child simply sends none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_state_events",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("callid", sa.String(length=80), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=6), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("origin_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_state_events")),
        sa.UniqueConstraint("seq", name=op.f("uq_agent_state_events_seq")),
    )
    op.create_index("ix_agent_state_events_origin", "agent_state_events", ["origin"], unique=False)
    op.create_index(
        "ix_agent_state_events_user_at", "agent_state_events", ["user_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_agent_state_events_user_at", table_name="agent_state_events")
    op.drop_index("ix_agent_state_events_origin", table_name="agent_state_events")
    op.drop_table("agent_state_events")
