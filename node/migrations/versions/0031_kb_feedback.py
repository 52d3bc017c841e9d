"""kb_feedback, kb_view_counts: readers' answers and article reads, rolled up

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07

Wire schema 12: the new replicated tables `kb_feedback` (a reader's latest 有帮助 / 没帮助
on an article, with an optional comment, one row per node, reader and article) and
`kb_view_counts` (an article's reads per node and office day), issue 22 §3. They travel
upward as every replicated table does, so an article's owner sees every node's rows
under the article's own id. New tables only: nothing to fill on upgrade.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
        "kb_feedback",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        *_replicated("kb_feedback"),
        sa.UniqueConstraint(
            "origin", "user_id", "article_id", name=op.f("uq_kb_feedback_origin_user_id_article_id")
        ),
    )
    op.create_index("ix_kb_feedback_origin", "kb_feedback", ["origin"], unique=False)
    op.create_index("ix_kb_feedback_article_id", "kb_feedback", ["article_id"], unique=False)
    op.create_table(
        "kb_view_counts",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        *_replicated("kb_view_counts"),
        sa.UniqueConstraint(
            "origin", "article_id", "day", name=op.f("uq_kb_view_counts_origin_article_id_day")
        ),
    )
    op.create_index("ix_kb_view_counts_origin", "kb_view_counts", ["origin"], unique=False)
    op.create_index(
        "ix_kb_view_counts_article_id_day", "kb_view_counts", ["article_id", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_kb_view_counts_article_id_day", table_name="kb_view_counts")
    op.drop_index("ix_kb_view_counts_origin", table_name="kb_view_counts")
    op.drop_table("kb_view_counts")
    op.drop_index("ix_kb_feedback_article_id", table_name="kb_feedback")
    op.drop_index("ix_kb_feedback_origin", table_name="kb_feedback")
    op.drop_table("kb_feedback")
