"""survey_campaigns: filled by themselves as work orders close

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

Issue 21 §2: a campaign may take the customers of work orders as they close, of a kind
and service area, closed since a moment. Local to the node; no wire change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_campaigns") as batch:
        batch.add_column(
            sa.Column("fill_from_tickets", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("fill_kind", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("fill_area", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("fill_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_campaigns") as batch:
        for name in ("fill_since", "fill_area", "fill_kind", "fill_from_tickets"):
            batch.drop_column(name)
