"""survey_figure_deltas: what results add to the survey figures, until folded in

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

Local to the node (no wire change). A dial result writes these plain rows; a job folds
them into the replicated survey figures every few seconds, so results never wait for
one another on the node's change counter.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_figure_deltas",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
            nullable=False,
        ),
        sa.Column("target", sa.String(length=30), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("sums", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_figure_deltas")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("survey_figure_deltas")
