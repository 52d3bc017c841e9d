"""Smaller GIN pending list for the customers' search terms on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Every change to a customer is a non-HOT update on PostgreSQL (seq, which is indexed,
moves), so it adds the customer's ~39 search terms to the GIN index's pending list.
With the default 4 MB list the backend that fills it merges it into the index in one
go: a parent applying 700 edited customers at 1M took 1.3 s instead of 0.1 s, which
was the p99 of the city -> HQ lag under 1,000 changes/s. A 256 kB list is merged in
pieces a sixteenth of that size.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_LIST_KB = 256


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER INDEX ix_customers_search_terms_gin "
        f"SET (gin_pending_list_limit = {PENDING_LIST_KB})"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("ALTER INDEX ix_customers_search_terms_gin RESET (gin_pending_list_limit)")
