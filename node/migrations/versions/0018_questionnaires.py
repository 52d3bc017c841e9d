"""questionnaires and questionnaire_versions: callback survey questionnaires (issue 21 §1)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

Local tables (not replicated, the wire schema is unchanged): issue 22's downward channel
will carry questionnaires from HQ or a province; until then they travel as files.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "questionnaires",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaires")),
    )
    op.create_table(
        "questionnaire_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("questionnaire_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_questionnaire_versions_questionnaire_id_questionnaires"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_versions")),
        sa.UniqueConstraint(
            "questionnaire_id",
            "number",
            name=op.f("uq_questionnaire_versions_questionnaire_id_number"),
        ),
    )
    op.create_index(
        "ix_questionnaire_versions_questionnaire_id",
        "questionnaire_versions",
        ["questionnaire_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_questionnaire_versions_questionnaire_id", table_name="questionnaire_versions")
    op.drop_table("questionnaire_versions")
    op.drop_table("questionnaires")
