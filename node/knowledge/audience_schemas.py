"""The bodies and answers of /api/v1/kb/audiences (群组)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from node.auth.accounts import Role
from node.crud.schemas import StrictInput
from node.knowledge.published_shapes import NAME_MAX, VALUE_MAX, VALUES_MAX
from node.knowledge.schemas import PageQuery
from node.settings import Level

NodeCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
Area = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=VALUE_MAX)]


class AudienceListQuery(PageQuery):
    order_by: str | None = Field(default=None, description="name or created_at, - descending")


class AudienceIn(StrictInput):
    """An audience: every list that is not empty must hold the reader's fact."""

    name: str = Field(min_length=1, max_length=NAME_MAX)
    roles: list[Role] = Field(default_factory=list, max_length=VALUES_MAX)
    levels: list[Level] = Field(default_factory=list, max_length=VALUES_MAX)
    nodes: list[NodeCode] = Field(
        default_factory=list,
        max_length=VALUES_MAX,
        description="division codes: a node and every node below it",
    )
    areas: list[Area] = Field(
        default_factory=list, max_length=VALUES_MAX, description="service area codes"
    )


class AudienceOut(BaseModel):
    id: uuid.UUID
    name: str
    roles: list[str]
    levels: list[str]
    nodes: list[str]
    areas: list[str]
    owner: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    articles: int = Field(description="how many articles here are for this audience")


class AudiencePageOut(BaseModel):
    data: list[AudienceOut]
    next_cursor: str | None
