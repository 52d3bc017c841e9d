"""users' agent number, extension and mobile

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

Wire schema 3: users gain `agent_no` (工号), `extension` (分机), each unique per origin,
and `mobile` (work orders by SMS). All nullable, so an older child's batches still apply.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("agent_no", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("extension", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("mobile", sa.String(length=20), nullable=True))
        batch.create_unique_constraint(op.f("uq_users_origin_agent_no"), ["origin", "agent_no"])
        batch.create_unique_constraint(op.f("uq_users_origin_extension"), ["origin", "extension"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("uq_users_origin_extension"), type_="unique")
        batch.drop_constraint(op.f("uq_users_origin_agent_no"), type_="unique")
        batch.drop_column("mobile")
        batch.drop_column("extension")
        batch.drop_column("agent_no")
