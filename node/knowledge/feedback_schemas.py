"""The bodies and answers of an article's feedback (/api/v1/kb/articles/{id}/feedback)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, StrictBool

from node.api.pagination import MAX_LIMIT
from node.crud.schemas import StorableInput, StrictInput
from node.knowledge.feedback_models import COMMENT_MAX

MAX_OFFSET = 1_000_000
COMMENTS_LIMIT = 20


class FeedbackIn(StrictInput):
    """有帮助 (true) or 没帮助 (false), with an optional comment; a reader's new answer
    replaces their earlier one."""

    # Strict: "yes" or 1 is a 422 naming the field, not a guess.
    helpful: StrictBool
    comment: str | None = Field(default=None, max_length=COMMENT_MAX)


class FeedbackQuery(StorableInput):
    limit: int = Field(COMMENTS_LIMIT, ge=1, le=MAX_LIMIT, description="comments per page")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="comments skipped")


class FiguresOut(BaseModel):
    views: int = Field(description="reads, all time")
    views_30d: int = Field(description="reads on the last 30 office days, today included")
    helpful: int
    not_helpful: int
    helpful_share: float | None = Field(description="helpful / answers; null without any")


class OriginFiguresOut(FiguresOut):
    origin: str = Field(description="the node the readers read it at")


class AnswerOut(BaseModel):
    helpful: bool
    comment: str | None
    updated_at: datetime


class FeedbackCountsOut(FiguresOut):
    """The article's counts after the caller's answer, and that answer."""

    article_id: uuid.UUID
    mine: AnswerOut | None


class CommentOut(BaseModel):
    origin: str
    username: str
    helpful: bool
    comment: str
    updated_at: datetime


class FeedbackReportOut(FiguresOut):
    """Over every node whose rows this node holds (itself and its subtree)."""

    article_id: uuid.UUID
    by_origin: list[OriginFiguresOut]
    comments: list[CommentOut]
    comments_total: int
    limit: int
    offset: int
