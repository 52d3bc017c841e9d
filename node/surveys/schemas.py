"""The questionnaire API's bodies and answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from node.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from node.crud.schemas import StorableInput, StrictInput
from node.surveys.models import DESCRIPTION_MAX, NAME_MAX


class QuestionnaireIn(StrictInput):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    # Checked by node.surveys.definition, which names each bad path (questions[2].code).
    definition: dict[str, Any] = Field(description="intro and questions (see the docs)")


class DraftIn(StrictInput):
    """A draft's new definition, and its questionnaire's new name or description."""

    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    definition: dict[str, Any] | None = None


class AnswersIn(StrictInput):
    answers: dict[str, Any] = Field(description="question code -> answer")


class ListQuery(StorableInput):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=1000)
    order_by: str | None = Field(default=None, description="created_at or name, - descending")


class VersionOut(BaseModel):
    id: uuid.UUID
    number: int
    status: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    published_by: str | None


class VersionDetailOut(VersionOut):
    questionnaire_id: uuid.UUID
    definition: dict[str, Any]


class QuestionnaireOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
    latest: VersionOut | None = None


class QuestionnaireDetailOut(QuestionnaireOut):
    versions: list[VersionOut]
    draft: VersionDetailOut | None = None  # the draft being edited, if any


class QuestionnairePageOut(BaseModel):
    data: list[QuestionnaireOut]
    next_cursor: str | None


class CheckOut(BaseModel):
    valid: bool
    shown: list[str] = Field(description="the questions asked for these answers, in order")
    accepted: dict[str, Any]
    errors: dict[str, str] = Field(description="answers.<code> -> reason")
