"""Checks that a reference names a live row (dictionary codes: node.dictionaries.lookup)."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy.orm import Session

from node.db.base import Replicated
from node.errors import invalid

T = TypeVar("T", bound=Replicated)


def live_row(session: Session, model: type[T], row_id: uuid.UUID | None, field: str) -> T | None:
    """The referenced row, or InvalidFields naming `field` if it is missing or deleted."""
    if row_id is None:
        return None
    row = session.get(model, row_id)
    if row is None or row.deleted_at is not None:
        raise invalid(field, f"no {model.__tablename__[:-1].replace('_', ' ')} with id {row_id}")
    return row
