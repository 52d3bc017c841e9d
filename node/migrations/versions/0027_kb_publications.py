"""kb_publications, kb_articles.source_version: articles flowing down

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07

Wire schema 9: the new replicated table `kb_publications` (issue 22 §2), an article as
HQ or a province publishes it for every node below, pulled down with the dictionaries
and products (docs/federation.md rule 11). `kb_articles.source_version` records which
publication an article from above was made from, so a node that stopped half-way makes
it again on its next pull.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_publications",
        sa.Column("folders", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=200000), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("must_read", sa.Boolean(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("expires_at", sa.Date(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=6), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("origin_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_publications")),
        sa.UniqueConstraint("seq", name=op.f("uq_kb_publications_seq")),
    )
    op.create_index("ix_kb_publications_origin", "kb_publications", ["origin"], unique=False)
    with op.batch_alter_table("kb_articles") as batch:
        batch.add_column(sa.Column("source_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_articles") as batch:
        batch.drop_column("source_version")
    op.drop_index("ix_kb_publications_origin", table_name="kb_publications")
    op.drop_table("kb_publications")
