"""The survey report and attempt look-up API's query parameters and answers."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from node.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from node.crud.schemas import StrictInput
from node.customers.identifiers import normalize_phone
from node.surveys.campaign_models import PHONE_MAX
from node.surveys.figures_report import AnswersBy, GroupBy

MAX_DAYS = 366


class _Days(StrictInput):
    """Beijing days, both included, at most a year; optionally one campaign."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    first: date = Field(alias="from", description="first day, e.g. 2026-12-01")
    last: date = Field(alias="to", description="last day (included)")
    campaign_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _period(self) -> _Days:
        if self.last < self.first:
            raise ValueError("to 不能早于 from (to must not be before from)")
        if self.last - self.first >= timedelta(days=MAX_DAYS):
            raise ValueError("时间范围最长 366 天 (the period is at most 366 days)")
        return self


class ReportQuery(_Days):
    group_by: GroupBy = GroupBy.campaign


class AnswersQuery(_Days):
    by: AnswersBy = AnswersBy.all


class AttemptQuery(StrictInput):
    """Dials of this node: any of the filters, newest first."""

    at_from: AwareDatetime | None = Field(None, description="dialled at or after")
    at_to: AwareDatetime | None = Field(None, description="dialled before")
    customer_id: uuid.UUID | None = None
    ticket_id: uuid.UUID | None = Field(None, description="the work order called back about")
    phone: str | None = Field(None, min_length=1, max_length=PHONE_MAX)
    campaign_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=1000)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        """Stored numbers are normalized, so the filter is too (a bad one: 422)."""
        return None if value is None else normalize_phone(value)


class AttemptOut(BaseModel):
    id: uuid.UUID
    at: datetime
    phone: str
    result: str
    agent_id: uuid.UUID
    task_id: uuid.UUID
    campaign_id: uuid.UUID
    customer_id: uuid.UUID | None
    ticket_id: uuid.UUID | None


class AttemptPageOut(BaseModel):
    data: list[AttemptOut]
    next_cursor: str | None
