"""survey_figures, survey_answer_figures: callback survey figures as mergeable sums

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

Wire schema 6: two new replicated tables (issue 21 §5), derived at the node as results
arrive: per day, campaign and agent the dials, contacts and AAPOR dispositions, and the
answers counted by question, work-order kind and technician. A parent's figures are
the sum of its children's rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = ("attempts", "contacts", "interviews", "partials", "refusals", "non_contacts",
        "others", "unknown", "not_eligible")  # fmt: skip


def _replicated(table: str) -> list[sa.schema.SchemaItem]:
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
        "survey_figures",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_name", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in SUMS),
        *_replicated("survey_figures"),
    )
    op.create_table(
        "survey_answer_figures",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("question", sa.String(length=40), nullable=False),
        sa.Column("question_type", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.String(length=40), nullable=False),
        sa.Column("ticket_kind", sa.String(length=40), nullable=False),
        sa.Column("technician_id", sa.Uuid(), nullable=True),
        sa.Column("responses", sa.Integer(), nullable=False),
        *_replicated("survey_answer_figures"),
    )
    for table in ("survey_figures", "survey_answer_figures"):
        op.create_index(f"ix_{table}_origin", table, ["origin"], unique=False)
        op.create_index(f"ix_{table}_day", table, ["day"], unique=False)


def downgrade() -> None:
    for table in ("survey_answer_figures", "survey_figures"):
        op.drop_index(f"ix_{table}_day", table_name=table)
        op.drop_index(f"ix_{table}_origin", table_name=table)
        op.drop_table(table)
