"""kb_attachments, kb_attachment_publications: files attached to knowledge-base articles

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08

附件 (issue 22 §3): an article holds up to 20 files of at most 5 MiB each
(`kb_attachments`, the node's own and those taken from above). Wire schema 11: the new
replicated table `kb_attachment_publications`, the files of the articles HQ or a
province publishes, flowing down beside `kb_publications` (content as base64 text).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

B64_MAX = 4 * -(-(5 * 1024 * 1024) // 3)


def upgrade() -> None:
    op.create_table(
        "kb_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("owner", sa.String(length=6), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_attachments_article_id_kb_articles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_attachments")),
    )
    op.create_index("ix_kb_attachments_article_id", "kb_attachments", ["article_id"])
    op.create_table(
        "kb_attachment_publications",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.String(length=B64_MAX), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=6), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("origin_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_attachment_publications")),
        sa.UniqueConstraint("seq", name=op.f("uq_kb_attachment_publications_seq")),
    )
    for column in ("origin", "article_id"):
        op.create_index(
            f"ix_kb_attachment_publications_{column}", "kb_attachment_publications", [column]
        )


def downgrade() -> None:
    for column in ("origin", "article_id"):
        op.drop_index(
            f"ix_kb_attachment_publications_{column}", table_name="kb_attachment_publications"
        )
    op.drop_table("kb_attachment_publications")
    op.drop_index("ix_kb_attachments_article_id", table_name="kb_attachments")
    op.drop_table("kb_attachments")
