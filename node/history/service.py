"""Writing and reading field changes, in the caller's unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.db.types import utcnow
from node.history.models import FieldChange

# Bookkeeping columns, and derived ones that change with the fields they come from.
NOT_HISTORY = frozenset(
    {"seq", "origin", "origin_version", "created_at", "updated_at", "search_terms", "search_key"}
)
SHOWN_AT_MOST = 200  # changes a page shows for one row, newest first


def as_text(value: Any) -> str | None:
    """A stored value as the history keeps it: None stays None, times in ISO 8601 UTC."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()  # one zone, whatever the request used
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float | uuid.UUID):
        return str(value)
    return str(value)


def record_changes(
    session: Session,
    actor_id: uuid.UUID | None,
    entity: str,
    entity_id: uuid.UUID,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> int:
    """Write one change per field whose value differs; return how many were written."""
    now = utcnow()
    written = 0
    for name in sorted(before.keys() - NOT_HISTORY):
        old, new = as_text(before[name]), as_text(after.get(name))
        if old == new:
            continue
        session.add(
            FieldChange(
                at=now,
                actor_id=actor_id,
                entity=entity,
                entity_id=entity_id,
                field=name,
                old_value=old,
                new_value=new,
            )
        )
        written += 1
    return written


@dataclass(frozen=True)
class Change:
    """One field change as a page shows it."""

    at: datetime
    actor_id: uuid.UUID | None
    entity: str
    entity_id: uuid.UUID
    field: str
    old_value: str | None
    new_value: str | None


def mask_change(change: Change, masks: Mapping[str, Callable[[str | None], str | None]]) -> Change:
    """The change with both values masked when its field is personal data."""
    mask = masks.get(change.field)
    if mask is None:
        return change
    return replace(change, old_value=mask(change.old_value), new_value=mask(change.new_value))


def changes_for(session: Session, rows: Mapping[str, list[uuid.UUID]]) -> list[Change]:
    """The latest changes of the given rows (entity -> ids), newest first."""
    found: list[Change] = []
    for entity, ids in rows.items():
        if not ids:
            continue
        stmt = (
            select(FieldChange)
            .where(FieldChange.entity == entity, FieldChange.entity_id.in_(ids))
            .order_by(FieldChange.id.desc())
            .limit(SHOWN_AT_MOST)
        )
        found.extend(
            Change(c.at, c.actor_id, c.entity, c.entity_id, c.field, c.old_value, c.new_value)
            for c in session.execute(stmt).scalars()
        )
    found.sort(key=lambda c: c.at, reverse=True)
    return found[:SHOWN_AT_MOST]


class FieldChangeOut(BaseModel):
    """One field change as the API answers it (personal data masked as the row is)."""

    at: datetime
    actor_id: uuid.UUID | None
    entity: str
    entity_id: uuid.UUID
    field: str
    old_value: str | None
    new_value: str | None


class HistoryOut(BaseModel):
    data: list[FieldChangeOut]
