"""The knowledge base API's bodies and answers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from node.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from node.crud.schemas import StorableInput, StrictInput
from node.knowledge.models import (
    BODY_MAX,
    NAME_MAX,
    NOTE_MAX,
    REASON_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    Kind,
)


class PageQuery(StorableInput):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=1000)


class FolderListQuery(PageQuery):
    parent_id: uuid.UUID | None = Field(default=None, description="only this folder's children")
    order_by: str | None = Field(default=None, description="name or created_at, - descending")


class FolderIn(StrictInput):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    parent_id: uuid.UUID | None = None


class FolderPatch(StrictInput):
    """Rename (`name`) and/or move (`parent_id`; null moves to the top level)."""

    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    parent_id: uuid.UUID | None = None


class FolderOut(BaseModel):
    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    owner: str
    created_by: str
    created_at: datetime
    updated_at: datetime


class FolderPageOut(BaseModel):
    data: list[FolderOut]
    next_cursor: str | None


Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TAG_MAX)]
# Markdown keeps its whitespace (a trailing newline, an indented code block).
Markdown = Annotated[str, StringConstraints(strip_whitespace=False, max_length=BODY_MAX)]


class ArticleIn(StrictInput):
    """A new article (its version 1, a draft), or a new version of one (PUT)."""

    folder_id: uuid.UUID
    kind: Kind = Field(description="policy 制度, rule 规定, announcement 片区公告, "
                       "knowledge 业务知识, phone 业务电话")  # fmt: skip
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    body: Markdown = Field(default="", description="Markdown")
    tags: list[Tag] = Field(default_factory=list, max_length=TAGS_MAX)
    must_read: bool = False
    effective_from: date | None = None
    expires_at: date | None = Field(default=None, description="the first day it is not shown")
    note: str = Field(default="", max_length=NOTE_MAX, description="what this version changes")
    audience_id: uuid.UUID | None = Field(
        default=None, description="群组: only readers it reaches see the article; null: everybody"
    )


class ReasonIn(StrictInput):
    reason: str = Field(min_length=1, max_length=REASON_MAX)


class ArchiveIn(StrictInput):
    reason: str = Field(default="", max_length=REASON_MAX)


class ArticleListQuery(PageQuery):
    folder_id: uuid.UUID | None = None
    kind: Kind | None = None
    include_drafts: bool = Field(
        default=False, description="every article, drafts too (needs kb:write)"
    )
    order_by: str | None = Field(default=None, description="created_at or updated_at")


class VersionListQuery(PageQuery):
    order_by: str | None = Field(default=None, description="number or created_at")


class SearchQuery(PageQuery):
    q: str = Field(min_length=1, max_length=100)
    include_drafts: bool = Field(
        default=False, description="search each article's newest version (needs kb:write)"
    )


class VersionOut(BaseModel):
    number: int
    title: str
    note: str
    created_by: str
    created_at: datetime


class VersionDetailOut(VersionOut):
    body: str = Field(description="Markdown")
    html: str = Field(description="the body rendered and sanitised")


class StepOut(BaseModel):
    number: int
    from_status: str
    to_status: str
    by: str
    at: datetime
    reason: str


class ArticleOut(BaseModel):
    id: uuid.UUID
    folder_id: uuid.UUID
    kind: str
    title: str = Field(description="the title of the version the caller sees")
    tags: list[str]
    must_read: bool
    effective_from: date | None
    expires_at: date | None
    status: str = Field(description="the state of the newest version")
    latest_number: int
    published_number: int | None
    published_at: datetime | None
    owner: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    audience_id: uuid.UUID | None = Field(description="who it is for; null: everybody")


class ArticleDetailOut(ArticleOut):
    published: VersionDetailOut | None = Field(description="what readers see")
    draft: VersionDetailOut | None = Field(
        default=None, description="the newest version when it is not published (editors only)"
    )
    steps: list[StepOut] = Field(description="the approval flow: who moved what, when")
    acknowledged_at: datetime | None = Field(description="when the caller acknowledged it")


class ArticlePageOut(BaseModel):
    data: list[ArticleOut]
    next_cursor: str | None


class VersionPageOut(BaseModel):
    data: list[VersionOut]
    next_cursor: str | None


class DiffOut(BaseModel):
    article_id: uuid.UUID
    from_number: int
    to_number: int
    title_from: str
    title_to: str
    title_changed: bool
    body_diff: str = Field(description="unified diff of the Markdown body")


class SearchHitOut(ArticleOut):
    title_hit: bool
    number: int = Field(description="the version found")
    excerpt: str


class SearchPageOut(BaseModel):
    data: list[SearchHitOut]
    next_cursor: str | None


class AckOut(BaseModel):
    article_id: uuid.UUID
    user_id: uuid.UUID
    username: str
    number: int = Field(description="the published version acknowledged")
    acked_at: datetime


class AckedUserOut(AckOut):
    display_name: str


class PendingUserOut(BaseModel):
    user_id: uuid.UUID
    username: str
    display_name: str


class AcksOut(BaseModel):
    article_id: uuid.UUID
    must_read: bool
    acknowledged: list[AckedUserOut]
    pending: list[PendingUserOut] = Field(description="this node's active users who have not")
