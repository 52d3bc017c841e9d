"""children sign with their own Ed25519 key; the legacy HMAC key for a stated window

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

A parent stored each child's HMAC key (`key_hash`), so reading its database was enough
to sign as any child. A child now signs with its own Ed25519 key and the parent keeps its
public key (`public_key`). Links registered before stay usable for seven days from the
upgrade (`hmac_accepted_until`) so a fleet can be moved child by child with
`fedcrm child rotate` (docs/operations.md "Rotating a key"); after that their HMAC tags
are refused.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The migration window for links made before keys (docs/operations.md states it).
HMAC_WINDOW = timedelta(days=7)


def upgrade() -> None:
    with op.batch_alter_table("federation_children") as batch:
        batch.add_column(sa.Column("public_key", sa.String(length=80), nullable=True))
        batch.add_column(
            sa.Column("hmac_accepted_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch.alter_column("key_hash", existing_type=sa.String(length=64), nullable=True)
    until = datetime.now(UTC) + HMAC_WINDOW
    if op.get_bind().dialect.name == "sqlite":
        until = until.replace(tzinfo=None)  # stored as naive UTC (node.db.types.UTCDateTime)
    children = sa.table(
        "federation_children",
        sa.column("key_hash", sa.String),
        sa.column("hmac_accepted_until", sa.DateTime(timezone=True)),
    )
    op.execute(
        children.update().where(children.c.key_hash.is_not(None)).values(hmac_accepted_until=until)
    )


def downgrade() -> None:
    # Children registered with a key only have no HMAC key to go back to.
    op.execute("DELETE FROM federation_children WHERE key_hash IS NULL")
    with op.batch_alter_table("federation_children") as batch:
        batch.alter_column("key_hash", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("hmac_accepted_until")
        batch.drop_column("public_key")
