"""The campaign, audience, pool and dial-result API's bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from node.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from node.crud.schemas import StorableInput, StrictInput
from node.customers.models import CustomerType
from node.surveys.campaign_models import KEY_MAX, DialResult
from node.surveys.models import NAME_MAX

MAX_UPLOAD = 10_000  # tasks in one uploaded list
MAX_PHONES = 5


class RulesIn(StrictInput):
    first_retry_minutes: int = Field(30, ge=1, le=10_080)
    second_retry_minutes: int = Field(120, ge=1, le=10_080)
    soft_refusal_days: int = Field(7, ge=1, le=90)
    max_attempts: int = Field(3, ge=1, le=10)
    lease_seconds: int = Field(120, ge=30, le=3_600)
    weekday_window: str = Field("09:00-20:30", max_length=11)
    weekend_window: str = Field("09:00-17:00", max_length=11)


class AutoFillIn(StrictInput):
    """Take the customers of work orders as they close (every minute under `fedcrm
    serve`, or `fedcrm surveys fill DIR`)."""

    kind: str | None = Field(default=None, max_length=40, description="a ticket kind")
    service_area: str | None = Field(default=None, max_length=40)
    since: AwareDatetime | None = Field(default=None, description="closed since (default: now)")


class CampaignIn(StrictInput):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    questionnaire_version_id: uuid.UUID = Field(description="a published version")
    rules: RulesIn = Field(default_factory=lambda: RulesIn())
    auto_fill: AutoFillIn | None = None


class TaskEntryIn(StrictInput):
    """A customer (their numbers looked up when `phones` is empty), or bare numbers."""

    customer_id: uuid.UUID | None = None
    phones: list[str] = Field(default_factory=list, max_length=MAX_PHONES)
    priority: int = Field(0, ge=-1000, le=1000, description="higher is called first")


class TasksIn(StrictInput):
    tasks: list[TaskEntryIn] = Field(min_length=1, max_length=MAX_UPLOAD)


class ClosedTicketsIn(StrictInput):
    closed_from: AwareDatetime
    closed_to: AwareDatetime
    kind: str | None = Field(default=None, max_length=40)
    service_area: str | None = Field(default=None, max_length=40)


class SegmentFilters(StrictInput):
    """The customer list's filters a segment is made of. The one rule of what a segment
    is: the API's inline filters, the customer list's link and a saved segment's stored
    query are all read through it (node.surveys.segment_query)."""

    status: str | None = Field(default=None, min_length=1, max_length=40)
    grade: str | None = Field(default=None, min_length=1, max_length=40)
    category: str | None = Field(default=None, min_length=1, max_length=40)
    type: CustomerType | None = None
    service_area: str | None = Field(default=None, min_length=1, max_length=40)
    is_key_account: bool | None = None


class SegmentIn(SegmentFilters):
    """A customer segment: its filters inline, or a saved segment of the customer list
    (`saved_view_id`, from GET /api/v1/segments); exactly one of the two."""

    saved_view_id: int | None = Field(
        default=None, ge=1, description="a saved segment, instead of the filters"
    )


class ResultIn(StrictInput):
    result: DialResult
    answers: dict[str, Any] | None = Field(default=None, description="for completed")
    appointment_at: AwareDatetime | None = Field(default=None, description="for appointment")
    appointment_mine: bool = Field(False, description="the appointment is for me only")


class CampaignListQuery(StorableInput):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=1000)
    order_by: str | None = Field(default=None, description="created_at or name, - descending")


class CampaignOut(BaseModel):
    id: uuid.UUID
    name: str
    questionnaire_version_id: uuid.UUID
    status: str
    rules: dict[str, Any]
    auto_fill: dict[str, Any] | None = None
    created_by: str
    created_at: datetime
    updated_at: datetime
    progress: dict[str, Any] | None = None


class CampaignPageOut(BaseModel):
    data: list[CampaignOut]
    next_cursor: str | None


class AddedOut(BaseModel):
    added: int
    already_open: int
    without_number: int


class TaskOut(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    customer_key: str = Field(max_length=KEY_MAX)
    customer_id: uuid.UUID | None
    ticket_id: uuid.UUID | None
    phone: str
    phones: list[str]
    priority: int
    is_open: bool
    outcome: str | None
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    appointment_agent_id: uuid.UUID | None


class NextOut(BaseModel):
    """The agent's reserved task with its campaign and questionnaire; all null when no
    task is eligible now."""

    task: TaskOut | None
    campaign_name: str | None = None
    definition: dict[str, Any] | None = None
