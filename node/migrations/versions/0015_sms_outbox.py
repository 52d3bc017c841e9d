"""the SMS outbox: work orders sent to technicians through Kannel (issue 20 §8)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

`sms_messages` is local to the node (never replicated): the wire schema is unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("dispatch_event_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("to_number", sa.String(length=20), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("kannel_reply", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dlr_token", sa.String(length=64), nullable=False),
        sa.Column("dlr_status", sa.SmallInteger(), nullable=True),
        sa.Column("dlr_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
        sa.UniqueConstraint("ticket_id", "dispatch_event_id", name="uq_sms_messages_dispatch"),
    )
    op.create_index("ix_sms_messages_ticket_id", "sms_messages", ["ticket_id"], unique=False)
    op.create_index(
        "ix_sms_messages_status_next", "sms_messages", ["status", "next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sms_messages_status_next", table_name="sms_messages")
    op.drop_index("ix_sms_messages_ticket_id", table_name="sms_messages")
    op.drop_table("sms_messages")
