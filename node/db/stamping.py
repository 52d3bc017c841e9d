"""Stamp every change to a replicated row with this node's seq, in the same flush.

Registered on the session factory, so every ORM write path (API, CLI, imports) gets
it without remembering to. Bulk paths that bypass the ORM call `allocate` themselves.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import event, select
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


def _changed_rows(session: Session) -> tuple[list[Replicated], list[Replicated]]:
    new = [o for o in session.new if isinstance(o, Replicated)]
    dirty = [
        o
        for o in session.dirty
        if isinstance(o, Replicated) and session.is_modified(o, include_collections=False)
    ]
    return new, dirty


def _committed_versions(session: Session, rows: list[Replicated]) -> dict[tuple[type, UUID], int]:
    """The origin_version each edited row holds now, read after `allocate` took the
    counter lock: a writer that loaded the same row earlier and committed since is
    seen, so two edits never both become version n+1 (the parent would keep the first
    and skip the second as not newer, and the levels would disagree)."""
    by_type: dict[type, list[UUID]] = {}
    for row in rows:
        by_type.setdefault(type(row), []).append(row.id)
    held: dict[tuple[type, UUID], int] = {}
    for cls, ids in by_type.items():
        table = cls.__table__  # type: ignore[attr-defined]
        query = select(table.c.id, table.c.origin_version).where(table.c.id.in_(ids))
        for row_id, version in session.connection().execute(query):
            held[(cls, row_id)] = int(version or 0)
    return held


def _stamp(session: Session, _ctx: Any, _instances: Any) -> None:
    local: str = session.info["node_code"]
    if any(isinstance(o, Replicated) for o in session.deleted):
        raise HardDeleteError("replicated rows are deleted by setting deleted_at")
    new, dirty = _changed_rows(session)
    rows = new + dirty
    if not rows:
        return
    for row in rows:
        if row.origin is None:
            row.origin = local
        elif row.origin != local:
            raise ForeignRowError(row.__tablename__, row.origin, local)
    first = allocate(session, SEQ, len(rows))
    held = _committed_versions(session, dirty) if dirty else {}
    now = utcnow()
    for offset, row in enumerate(rows):
        row.seq = first + offset
        row.origin_version = held.get((type(row), row.id), row.origin_version or 0) + 1
        row.updated_at = now
        if row.created_at is None:
            row.created_at = now


def install_stamping(factory: sessionmaker[Session]) -> None:
    """Attach seq stamping to every session this factory makes."""
    event.listen(factory, "before_flush", _stamp)


def stamp_new(session: Session, rows: list[dict[str, Any]]) -> None:
    """Stamp rows a bulk Core insert adds (the flush hook above sees only ORM objects):
    this node's origin, the next `seq` values in order, version 1, now. For derived rows
    written in the millions (a PBX's month), where building ORM objects costs more than
    the insert."""
    if not rows:
        return
    first = allocate(session, SEQ, len(rows))
    now = utcnow()
    origin = session.info["node_code"]
    for offset, row in enumerate(rows):
        row.update(
            origin=origin,
            seq=first + offset,
            origin_version=1,
            created_at=now,
            updated_at=now,
            deleted_at=None,
        )
