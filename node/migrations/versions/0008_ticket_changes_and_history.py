"""desk changes: ticket events for reassignment and severity, calls linked to their
ticket, merged customers, users' department and group, field history, notification reads

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

Wire schema version 2 (schemas/wire.py): `ticket_events` gains `field`, `old_value` and
`new_value`; `interactions` gains `ticket_id`; `customers` gains `merged_into_id`; `users`
gain `department` and `agent_group`. All are nullable, so a version-1 child's batches
still apply (the columns arrive empty). `field_changes` (who changed which field) and
`notification_reads` (when each user last looked) are local to the node, like the audit
log, and never travel.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_events") as batch:
        batch.add_column(sa.Column("field", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("old_value", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("new_value", sa.String(length=64), nullable=True))
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("ticket_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_interactions_ticket_id", ["ticket_id"])
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("merged_into_id", sa.Uuid(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("department", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("agent_group", sa.String(length=40), nullable=True))
        batch.create_index("ix_users_department", ["department"])
        batch.create_index("ix_users_agent_group", ["agent_group"])
    op.create_table(
        "field_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
    )
    op.create_index("ix_field_changes_row", "field_changes", ["entity", "entity_id", "id"])
    op.create_table(
        "notification_reads",
        sa.Column("user_id", sa.Uuid(), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest_seen_on", sa.Date(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("notification_reads")
    op.drop_index("ix_field_changes_row", table_name="field_changes")
    op.drop_table("field_changes")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("merged_into_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_agent_group")
        batch.drop_index("ix_users_department")
        batch.drop_column("agent_group")
        batch.drop_column("department")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_index("ix_interactions_ticket_id")
        batch.drop_column("ticket_id")
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_column("new_value")
        batch.drop_column("old_value")
        batch.drop_column("field")
