"""kb_publications, questionnaire_publications: articles and questionnaires flowing down

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07

Wire schema 9: the new replicated tables `kb_publications` and
`questionnaire_publications` (issue 22 §2), an article or a questionnaire as HQ or a
province publishes it for every node below, pulled down with the dictionaries and
products (docs/federation.md rule 11). `kb_articles.source_version` and
`questionnaires.source_version` record which publication a row from above was made
from, so a node that stopped half-way makes it again on its next pull;
`questionnaires.owner` names the node a questionnaire came from (NULL: its own).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
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
        *_replicated("kb_publications"),
    )
    op.create_index("ix_kb_publications_origin", "kb_publications", ["origin"], unique=False)
    with op.batch_alter_table("kb_articles") as batch:
        batch.add_column(sa.Column("source_version", sa.Integer(), nullable=True))
    op.create_table(
        "questionnaire_publications",
        sa.Column("document", sa.String(length=2000000), nullable=False),
        *_replicated("questionnaire_publications"),
    )
    op.create_index(
        "ix_questionnaire_publications_origin",
        "questionnaire_publications",
        ["origin"],
        unique=False,
    )
    with op.batch_alter_table("questionnaires") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=6), nullable=True))
        batch.add_column(sa.Column("source_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questionnaires") as batch:
        batch.drop_column("source_version")
        batch.drop_column("owner")
    op.drop_index("ix_questionnaire_publications_origin", table_name="questionnaire_publications")
    op.drop_table("questionnaire_publications")
    with op.batch_alter_table("kb_articles") as batch:
        batch.drop_column("source_version")
    op.drop_index("ix_kb_publications_origin", table_name="kb_publications")
    op.drop_table("kb_publications")
