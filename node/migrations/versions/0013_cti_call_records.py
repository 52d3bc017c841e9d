"""call detail records from Asterisk's Master.csv

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

`cti_call_records` is local to the node whose PBX wrote them, like `cti_queue_events`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cti_call_records",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("src", sa.String(length=80), nullable=False),
        sa.Column("dst", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("disposition", sa.String(length=12), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("billsec", sa.Integer(), nullable=False),
        sa.UniqueConstraint("key", name=op.f("uq_cti_call_records_key")),
    )
    op.create_index("ix_cti_call_records_start", "cti_call_records", ["start"])


def downgrade() -> None:
    op.drop_table("cti_call_records")
