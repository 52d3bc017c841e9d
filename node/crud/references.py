"""Checks that a reference names a live row or a known dictionary code."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.db.base import Replicated
from node.dictionaries.models import DictionaryEntry
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


def dictionary_entry(
    session: Session, kind: str, code: str | None, field: str
) -> DictionaryEntry | None:
    """The active local dictionary entry `kind`/`code`, or InvalidFields naming `field`."""
    if code is None:
        return None
    entry = session.execute(
        select(DictionaryEntry).where(
            DictionaryEntry.kind == kind,
            DictionaryEntry.code == code,
            DictionaryEntry.origin == session.info["node_code"],
            DictionaryEntry.deleted_at.is_(None),
        )
    ).scalar_one_or_none()
    if entry is None or not entry.active:
        raise invalid(
            field, f"unknown {kind} code {code!r}; see GET /api/v1/dictionaries?kind={kind}"
        )
    return entry
