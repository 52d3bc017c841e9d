"""Writing the audit log. Entries are only ever added, never updated or deleted."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

import orjson
from sqlalchemy.orm import Session

from node.audit.models import AuditEntry


def record(
    session: Session,
    action: str,
    *,
    actor_id: uuid.UUID | None = None,
    actor: str | None = None,
    entity: str | None = None,
    entity_id: Any = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the current unit of work (flushed with it)."""
    entry = AuditEntry(
        action=action,
        actor_id=actor_id,
        actor=actor,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        ip=ip,
        detail=orjson.dumps(detail).decode() if detail else None,
    )
    session.add(entry)
    return entry


class Actor(Protocol):
    """Who acted, as a request's viewer knows it (node.auth.viewer.Viewer)."""

    @property
    def user(self) -> Any: ...

    @property
    def ip(self) -> str | None: ...


def record_by(
    session: Session,
    who: Actor,
    action: str,
    entity: str,
    entity_id: Any,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """An audit entry for what a signed-in person did to one entity."""
    return record(
        session,
        action,
        actor_id=who.user.id,
        actor=who.user.username,
        entity=entity,
        entity_id=entity_id,
        ip=who.ip,
        detail=detail,
    )
