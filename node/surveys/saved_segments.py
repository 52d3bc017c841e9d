"""Saved segments: the saved views of the customer list (SavedView.page "customers"),
as a campaign's audience. A view is read again through the segment rule each time it is
used, so a view saved before the rule changed answers what it means now, or a 422."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

import orjson
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from node.api.pagination import NOT_ISSUED
from node.errors import InvalidFields, invalid
from node.surveys.segment import Segment
from node.surveys.segment_query import parse_stored
from node.views.models import SavedView
from node.views.service import get_visible

PAGE = "customers"  # SavedView.page of the customer list (客户查询)
FIELD = "saved_view_id"


def segment_of_view(view: SavedView) -> Segment:
    """The segment a saved view names; 422 naming `saved_view_id` for a view of another
    list, or a stored query that no longer reads as a segment."""
    if view.page != PAGE:
        raise invalid(
            FIELD, f"视图 {view.id} 不是客户分组 (view {view.id} is not a customer segment)"
        )
    try:
        return parse_stored(view.query)
    except (ValueError, InvalidFields) as exc:
        reason = exc.message if isinstance(exc, InvalidFields) else str(exc)  # names the filter
        raise invalid(
            FIELD,
            f"客户分组 {view.id} 的筛选条件已无法读取，请重新保存 "
            f"(segment {view.id}'s filters no longer read: save it again; {reason})",
        ) from None


def visible_segment(session: Session, owner_id: uuid.UUID, view_id: int) -> Segment:
    """The segment of a view the owner may open (theirs or shared): another's private
    view is not found (404), as on the list page."""
    return segment_of_view(get_visible(session, owner_id, view_id))


@dataclass(frozen=True)
class SegmentPage:
    rows: list[SavedView]
    next_cursor: str | None


def _cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"after": last_id})).decode().rstrip("=")


def _after(cursor: str) -> int:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:  # binascii.Error, non-ASCII text and JSONDecodeError
        raise invalid("cursor", NOT_ISSUED) from None
    after = data.get("after") if isinstance(data, dict) else None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        raise invalid("cursor", NOT_ISSUED)
    return after


def segments_page(
    session: Session, owner_id: uuid.UUID, limit: int, cursor: str | None
) -> SegmentPage:
    """The owner's saved segments and everyone's shared ones, oldest first, keyset-paged
    by id (a view's id never changes, and a deleted one leaves no gap to trip on)."""
    stmt = select(SavedView).where(
        SavedView.page == PAGE, or_(SavedView.owner_id == owner_id, SavedView.shared.is_(True))
    )
    if cursor:
        stmt = stmt.where(SavedView.id > _after(cursor))
    rows = list(session.execute(stmt.order_by(SavedView.id).limit(limit + 1)).scalars())
    if len(rows) <= limit:
        return SegmentPage(rows, None)
    return SegmentPage(rows[:limit], _cursor(rows[limit - 1].id))
