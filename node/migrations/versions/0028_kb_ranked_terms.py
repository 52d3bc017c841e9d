"""kb_search_terms.rank_at and the index search pages through

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07

Knowledge-base search read every article matching a query and sorted them before the
page (docs/benchmarks.md, "Knowledge-base search at 100,000 articles"): 0.5-4 s for a
common word at 100,000 articles. Each term row now carries its version's creation time
(`rank_at`), and the index on (term, in_title, rank_at, version_id) holds a term's
postings in the order search shows them, title hits first, then the newest; search
walks it backwards and stops after its page. It replaces the index on term alone, of
which it is a prefix. Local to the node: no wire schema change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "kb_search_terms", sa.Column("rank_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE kb_search_terms SET rank_at = (SELECT v.created_at FROM kb_article_versions v"
        " WHERE v.id = kb_search_terms.version_id)"
    )
    with op.batch_alter_table("kb_search_terms") as batch:
        batch.alter_column("rank_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.drop_index("ix_kb_search_terms_term", table_name="kb_search_terms")
    op.create_index(
        "ix_kb_search_terms_ranked",
        "kb_search_terms",
        ["term", "in_title", "rank_at", "version_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_kb_search_terms_ranked", table_name="kb_search_terms")
    op.create_index("ix_kb_search_terms_term", "kb_search_terms", ["term"], unique=False)
    with op.batch_alter_table("kb_search_terms") as batch:
        batch.drop_column("rank_at")
