"""the ticket queue's index: status, then due time

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

The queue lists one status in due order (closed tickets the latest first); without
this index every request sorted all tickets of that status.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_status_due", "tickets", ["status", "due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_status_due", "tickets")
