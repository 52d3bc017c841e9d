"""Stamp every change to a replicated row with this node's seq, in the same flush.

Registered on the session factory, so every ORM write path (API, CLI, imports) gets
it without remembering to. Bulk paths that bypass the ORM call `allocate` themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from node.db.base import Replicated
from node.db.counters import SEQ, allocate
from node.db.types import utcnow


class ForeignRowError(Exception):
    """An attempt to change a row owned by another node (docs/federation.md rule 1)."""

    def __init__(self, table: str, origin: str, local: str) -> None:
        super().__init__(
            f"this {table} row belongs to node {origin}; only node {origin} may change it "
            f"(this node is {local})"
        )
        self.table = table
        self.origin = origin


class HardDeleteError(Exception):
    """Replicated rows are deleted by tombstone, never by DELETE."""


def _changed_rows(session: Session) -> list[Replicated]:
    new = [o for o in session.new if isinstance(o, Replicated)]
    dirty = [
        o
        for o in session.dirty
        if isinstance(o, Replicated) and session.is_modified(o, include_collections=False)
    ]
    return new + dirty


def _stamp(session: Session, _ctx: Any, _instances: Any) -> None:
    local: str = session.info["node_code"]
    if any(isinstance(o, Replicated) for o in session.deleted):
        raise HardDeleteError("replicated rows are deleted by setting deleted_at")
    rows = _changed_rows(session)
    if not rows:
        return
    for row in rows:
        if row.origin is None:
            row.origin = local
        elif row.origin != local:
            raise ForeignRowError(row.__tablename__, row.origin, local)
    first = allocate(session, SEQ, len(rows))
    now = utcnow()
    for offset, row in enumerate(rows):
        row.seq = first + offset
        row.origin_version = (row.origin_version or 0) + 1
        row.updated_at = now
        if row.created_at is None:
            row.created_at = now


def install_stamping(factory: sessionmaker[Session]) -> None:
    """Attach seq stamping to every session this factory makes."""
    event.listen(factory, "before_flush", _stamp)
