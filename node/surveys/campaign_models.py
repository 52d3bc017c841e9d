"""Outbound callback campaigns (issue 21 §2-§4): the campaign, its call tasks, each dial
attempt, the answers stored, and the suppression list every campaign honours.

All local to the node except `suppressed_numbers`, which replicates upward so every
level holds the union of its subtree's refusals (HQ's list is the union)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated, new_id
from node.db.types import UTCDateTime, utcnow
from node.db.value_rules import one_of
from node.surveys.models import NAME_MAX, USERNAME_MAX

PHONE_MAX = 20
KEY_MAX = 40


class CampaignStatus(StrEnum):
    open = "open"
    closed = "closed"


class DialResult(StrEnum):
    completed = "completed"  # 拨打成功: answers stored (partial ones as partial)
    no_answer = "no_answer"  # 拨打失败: retried at +30 min, then +120 min
    busy = "busy"
    wrong_number = "wrong_number"  # 信息错误: final for the number, next number if any
    disconnected = "disconnected"
    soft_refusal = "soft_refusal"  # "not now": one retry after 7 days
    refused = "refused"  # final; the number is suppressed everywhere
    do_not_call = "do_not_call"
    appointment = "appointment"  # the customer names a time


# The results that put the number on the suppression list.
SUPPRESSING = (DialResult.refused, DialResult.do_not_call)


class TaskOutcome(StrEnum):
    """Why a task is final (None while it is open)."""

    completed = "completed"
    exhausted = "exhausted"  # the attempts cap reached
    no_number = "no_number"  # every number was wrong or disconnected
    refused = "refused"
    closed = "closed"  # its campaign closed


class SurveyCampaign(Base):
    __tablename__ = "survey_campaigns"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    questionnaire_version_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("questionnaire_versions.id"), index=True
    )
    status: Mapped[str] = mapped_column(
        String(10), default=CampaignStatus.open.value, info=one_of(CampaignStatus)
    )
    # The rules (issue 21 §4 defaults); delays in minutes, windows as HH:MM Beijing time.
    first_retry_minutes: Mapped[int] = mapped_column(Integer, default=30)
    second_retry_minutes: Mapped[int] = mapped_column(Integer, default=120)
    soft_refusal_days: Mapped[int] = mapped_column(Integer, default=7)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    lease_seconds: Mapped[int] = mapped_column(Integer, default=120)
    weekday_window: Mapped[str] = mapped_column(String(11), default="09:00-20:30")
    weekend_window: Mapped[str] = mapped_column(String(11), default="09:00-17:00")
    # Filled by itself with the customers of work orders as they close (§2), of this kind
    # and service area when given, closed since `fill_since` (node.surveys.auto_fill).
    fill_from_tickets: Mapped[bool] = mapped_column(Boolean, default=False)
    fill_kind: Mapped[str | None] = mapped_column(String(40), default=None)
    fill_area: Mapped[str | None] = mapped_column(String(40), default=None)
    fill_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[str] = mapped_column(String(USERNAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallTask(Base):
    """One customer to call in one campaign, with their numbers in priority order."""

    __tablename__ = "call_tasks"
    __table_args__ = (
        # A customer is never in two open tasks of the same campaign: held by the
        # database, so two imports racing cannot both add one.
        Index(
            "uq_call_tasks_open_customer",
            "campaign_id",
            "customer_key",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
        # One reservation per agent, held by the database too.
        Index("uq_call_tasks_lease_agent", "lease_agent_id", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    campaign_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("survey_campaigns.id"))
    # The customer's id (hex) when known, else their first number: what "the same
    # customer" means for an uploaded list of bare numbers.
    customer_key: Mapped[str] = mapped_column(String(KEY_MAX))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None, index=True)
    phones: Mapped[str] = mapped_column(Text)  # JSON list, the first to dial first
    phone_index: Mapped[int] = mapped_column(Integer, default=0)
    phone: Mapped[str] = mapped_column(String(PHONE_MAX))  # phones[phone_index]
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher first
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    outcome: Mapped[str | None] = mapped_column(String(12), default=None, info=one_of(TaskOutcome))
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # dials counted by the cap
    soft_refusals: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    appointment_agent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    lease_agent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallAttempt(Base):
    """One dial: who called which number of which task, with what result, when."""

    __tablename__ = "call_attempts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("call_tasks.id"), index=True)
    agent_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    phone: Mapped[str] = mapped_column(String(PHONE_MAX))
    result: Mapped[str] = mapped_column(String(14), info=one_of(DialResult))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SurveyResponse(Base):
    """The answers of one completed call, as the version accepted them."""

    __tablename__ = "survey_responses"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("call_tasks.id"), index=True)
    campaign_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    questionnaire_version_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    agent_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    answers: Mapped[str] = mapped_column(Text)  # JSON: code -> stored answer
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


# The pool's scan, in the pick's order (highest priority, then the longest due), so the
# first eligible row is the answer with no sort of the campaign's tasks.
Index(
    "ix_call_tasks_pool",
    CallTask.campaign_id,
    CallTask.is_open,
    CallTask.priority.desc(),
    CallTask.next_attempt_at,
    CallTask.id,
)


class SuppressedNumber(Base, Replicated):
    """A number that asked not to be called: every campaign of the whole group honours
    it. Replicated upward, so a parent holds the union of its subtree."""

    __tablename__ = "suppressed_numbers"

    phone: Mapped[str] = mapped_column(String(PHONE_MAX), index=True)
    reason: Mapped[str] = mapped_column(String(14), info=one_of(SUPPRESSING))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
