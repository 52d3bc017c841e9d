"""telephone events from Asterisk's queue_log

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

`cti_queue_events` is local to the node whose PBX wrote the lines, like the audit log.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cti_queue_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("callid", sa.String(length=80), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        *(sa.Column(f"data{n}", sa.String(length=200), nullable=False) for n in range(1, 6)),
        sa.UniqueConstraint("key", name=op.f("uq_cti_queue_events_key")),
    )
    op.create_index("ix_cti_queue_events_call", "cti_queue_events", ["callid", "queue"])
    op.create_index("ix_cti_queue_events_kind_time", "cti_queue_events", ["event", "epoch"])


def downgrade() -> None:
    op.drop_table("cti_queue_events")
