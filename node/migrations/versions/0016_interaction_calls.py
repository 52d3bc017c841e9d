"""interactions carry the PBX call they record

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

Wire schema 4: interactions gain `call_id` (the PBX's uniqueid), `queue`, `wait_seconds`,
`call_result` and `transferred`, filled when a queued call becomes an interaction by
itself (issue 20 §3). All nullable, so an older child's batches still apply.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("call_id", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("queue", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("wait_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("call_result", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("transferred", sa.Boolean(), nullable=True))
        batch.create_index(op.f("ix_interactions_call_id"), ["call_id"])


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_index(op.f("ix_interactions_call_id"))
        batch.drop_column("transferred")
        batch.drop_column("call_result")
        batch.drop_column("wait_seconds")
        batch.drop_column("queue")
        batch.drop_column("call_id")
