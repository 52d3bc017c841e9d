"""survey_campaigns: outbound callback campaigns, call tasks, attempts, responses, and
the suppression list

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

Issue 21 §2-§4. Wire schema 5 (unreleased) gains the replicated table
`suppressed_numbers`; the others are local to the node. Two unique indexes hold the
pool's promises in the database: one open task per customer and campaign (partial, on
`is_open`), and one reservation per agent (`lease_agent_id`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suppressed_numbers",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=14), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=6), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("origin_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressed_numbers")),
        sa.UniqueConstraint("seq", name=op.f("uq_suppressed_numbers_seq")),
    )
    with op.batch_alter_table("suppressed_numbers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppressed_numbers_origin"), ["origin"], unique=False)
        batch_op.create_index(batch_op.f("ix_suppressed_numbers_phone"), ["phone"], unique=False)

    op.create_table(
        "survey_campaigns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("questionnaire_version_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("first_retry_minutes", sa.Integer(), nullable=False),
        sa.Column("second_retry_minutes", sa.Integer(), nullable=False),
        sa.Column("soft_refusal_days", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("lease_seconds", sa.Integer(), nullable=False),
        sa.Column("weekday_window", sa.String(length=11), nullable=False),
        sa.Column("weekend_window", sa.String(length=11), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["questionnaire_version_id"],
            ["questionnaire_versions.id"],
            name=op.f("fk_survey_campaigns_questionnaire_version_id_questionnaire_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_campaigns")),
    )
    with op.batch_alter_table("survey_campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_campaigns_questionnaire_version_id"),
            ["questionnaire_version_id"],
            unique=False,
        )

    op.create_table(
        "call_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("customer_key", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("phones", sa.Text(), nullable=False),
        sa.Column("phone_index", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("soft_refusals", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appointment_agent_id", sa.Uuid(), nullable=True),
        sa.Column("lease_agent_id", sa.Uuid(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["survey_campaigns.id"],
            name=op.f("fk_call_tasks_campaign_id_survey_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_tasks")),
    )
    with op.batch_alter_table("call_tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_tasks_pool",
            ["campaign_id", "is_open", sa.text("priority DESC"), "next_attempt_at", "id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_call_tasks_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index("uq_call_tasks_lease_agent", ["lease_agent_id"], unique=True)
        batch_op.create_index(
            "uq_call_tasks_open_customer",
            ["campaign_id", "customer_key"],
            unique=True,
            sqlite_where=sa.text("is_open"),
            postgresql_where=sa.text("is_open"),
        )

    op.create_table(
        "call_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("result", sa.String(length=14), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["call_tasks.id"], name=op.f("fk_call_attempts_task_id_call_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_attempts")),
    )
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_attempts_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_attempts_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_attempts_task_id"), ["task_id"], unique=False)

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("questionnaire_version_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["call_tasks.id"], name=op.f("fk_survey_responses_task_id_call_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_responses_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_responses_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_task_id"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_campaign_id"))

    op.drop_table("survey_responses")
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_attempts_task_id"))
        batch_op.drop_index(batch_op.f("ix_call_attempts_at"))
        batch_op.drop_index(batch_op.f("ix_call_attempts_agent_id"))

    op.drop_table("call_attempts")
    with op.batch_alter_table("call_tasks", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_call_tasks_open_customer",
            sqlite_where=sa.text("is_open"),
            postgresql_where=sa.text("is_open"),
        )
        batch_op.drop_index("uq_call_tasks_lease_agent")
        batch_op.drop_index(batch_op.f("ix_call_tasks_ticket_id"))
        batch_op.drop_index("ix_call_tasks_pool")

    op.drop_table("call_tasks")
    with op.batch_alter_table("survey_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_campaigns_questionnaire_version_id"))

    op.drop_table("survey_campaigns")
    with op.batch_alter_table("suppressed_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppressed_numbers_phone"))
        batch_op.drop_index(batch_op.f("ix_suppressed_numbers_origin"))

    op.drop_table("suppressed_numbers")
