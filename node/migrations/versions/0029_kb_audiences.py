"""kb_audiences, kb_articles.audience_id and kb_publications.audience

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08

群组 (issue 22 §3): an article can be limited to an audience named by roles, levels,
nodes and service areas; readers outside it neither find nor open it. Audiences are a
node's own, or read-only copies of those the articles from above carry: the
publication holds the audience's definition (wire schema 10), so no table of audiences
flows down on its own.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_audiences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("levels", sa.Text(), nullable=False),
        sa.Column("nodes", sa.Text(), nullable=False),
        sa.Column("areas", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(6), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_audiences")),
    )
    with op.batch_alter_table("kb_articles") as batch:
        batch.add_column(sa.Column("audience_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_kb_articles_audience_id_kb_audiences"), "kb_audiences", ["audience_id"], ["id"]
        )
    op.add_column("kb_publications", sa.Column("audience", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("kb_publications", "audience")
    with op.batch_alter_table("kb_articles") as batch:
        batch.drop_constraint("fk_kb_articles_audience_id_kb_audiences", type_="foreignkey")
        batch.drop_column("audience_id")
    op.drop_table("kb_audiences")
