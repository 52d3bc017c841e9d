"""kb_*: the knowledge base (知识库, issue 22): folders, articles, their versions,
approval steps, search terms and must-read acknowledgements

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07

Local tables (not replicated, the wire schema is unchanged). Folders and articles carry
the code of the node that wrote them (`owner`) for the downward channel to come.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_folders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=6), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["kb_folders.id"], name=op.f("fk_kb_folders_parent_id_kb_folders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_folders")),
    )
    op.create_index("ix_kb_folders_parent_id", "kb_folders", ["parent_id"], unique=False)
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("folder_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("must_read", sa.Boolean(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("expires_at", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("latest_number", sa.Integer(), nullable=False),
        sa.Column("published_number", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner", sa.String(length=6), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["kb_folders.id"], name=op.f("fk_kb_articles_folder_id_kb_folders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
    )
    op.create_index("ix_kb_articles_folder_id", "kb_articles", ["folder_id"], unique=False)
    op.create_table(
        "kb_acks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_articles.id"], name=op.f("fk_kb_acks_article_id_kb_articles")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_kb_acks_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_acks")),
        sa.UniqueConstraint("article_id", "user_id", name=op.f("uq_kb_acks_article_id_user_id")),
    )
    op.create_index("ix_kb_acks_article_id", "kb_acks", ["article_id"], unique=False)
    op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_versions_article_id_kb_articles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_versions")),
        sa.UniqueConstraint(
            "article_id", "number", name=op.f("uq_kb_article_versions_article_id_number")
        ),
    )
    op.create_index(
        "ix_kb_article_versions_article_id", "kb_article_versions", ["article_id"], unique=False
    )
    op.create_table(
        "kb_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=False),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("by", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_articles.id"], name=op.f("fk_kb_steps_article_id_kb_articles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_steps")),
    )
    op.create_index("ix_kb_steps_article_id", "kb_steps", ["article_id"], unique=False)
    op.create_table(
        "kb_search_terms",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("in_title", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_search_terms_article_id_kb_articles"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["kb_article_versions.id"],
            name=op.f("fk_kb_search_terms_version_id_kb_article_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "term", name=op.f("pk_kb_search_terms")),
    )
    op.create_index(
        "ix_kb_search_terms_article_id", "kb_search_terms", ["article_id"], unique=False
    )
    op.create_index("ix_kb_search_terms_term", "kb_search_terms", ["term"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_kb_search_terms_term", table_name="kb_search_terms")
    op.drop_index("ix_kb_search_terms_article_id", table_name="kb_search_terms")
    op.drop_table("kb_search_terms")
    op.drop_index("ix_kb_steps_article_id", table_name="kb_steps")
    op.drop_table("kb_steps")
    op.drop_index("ix_kb_article_versions_article_id", table_name="kb_article_versions")
    op.drop_table("kb_article_versions")
    op.drop_index("ix_kb_acks_article_id", table_name="kb_acks")
    op.drop_table("kb_acks")
    op.drop_index("ix_kb_articles_folder_id", table_name="kb_articles")
    op.drop_table("kb_articles")
    op.drop_index("ix_kb_folders_parent_id", table_name="kb_folders")
    op.drop_table("kb_folders")
