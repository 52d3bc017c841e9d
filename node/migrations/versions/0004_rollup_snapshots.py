"""rollup snapshots: partial aggregates per (origin, period, kind) and the runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Local tables of rollup/ (not replicated): each level computes its own from the rows it
holds, so nothing here travels between nodes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rollup_partials",
        sa.Column("origin", sa.String(length=6), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("origin", "period", "kind", name=op.f("pk_rollup_partials")),
    )
    op.create_table(
        "rollup_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("watermark", sa.BigInteger(), nullable=False),
        sa.Column("window_first", sa.String(length=7), nullable=False),
        sa.Column("window_last", sa.String(length=7), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("partials_version", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("origins", sa.Integer(), nullable=False),
        sa.Column("origin_codes", sa.Text(), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_runs")),
    )


def downgrade() -> None:
    op.drop_table("rollup_runs")
    op.drop_table("rollup_partials")
