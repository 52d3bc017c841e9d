"""/api/v1/segments: the saved segments of the customer list (客户查询) a caller may use
as a campaign's audience: their own and everyone's shared ones. Saving one is the list
page's (保存为分组); whoever reads customers reads the segments they may open."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from node.api.deps import SessionDep, require
from node.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.schemas import StorableInput
from node.errors import InvalidFields
from node.surveys.saved_segments import segment_of_view, segments_page
from node.views.models import SavedView

router = APIRouter(prefix="/api/v1/segments", tags=["surveys"])
Reader = Annotated[Viewer, Depends(require(Perm.customers_read))]


class SegmentListQuery(StorableInput):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=1000)


class SegmentOut(BaseModel):
    id: int
    name: str
    shared: bool
    mine: bool = Field(description="saved by the caller (else shared by another)")
    owner_id: uuid.UUID
    filters: dict[str, Any] | None = Field(
        description="the customer list's filters; null when the stored ones no longer read "
        "(adding from it answers 422 naming saved_view_id)"
    )
    created_at: datetime


class SegmentPageOut(BaseModel):
    data: list[SegmentOut]
    next_cursor: str | None


def segment_out(view: SavedView, me: uuid.UUID) -> dict[str, Any]:
    """A saved segment as the API shows it."""
    try:
        filters: dict[str, Any] | None = segment_of_view(view).filters()
    except InvalidFields:
        filters = None
    return {
        "id": view.id,
        "name": view.name,
        "shared": view.shared,
        "mine": view.owner_id == me,
        "owner_id": view.owner_id,
        "filters": filters,
        "created_at": view.created_at,
    }


@router.get("", response_model=SegmentPageOut)
def list_segments(
    query: Annotated[SegmentListQuery, Query()], viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """My saved segments and the shared ones, oldest first, paged by `next_cursor`."""
    page = segments_page(session, viewer.user.id, query.limit, query.cursor)
    me = viewer.user.id
    return {"data": [segment_out(v, me) for v in page.rows], "next_cursor": page.next_cursor}
