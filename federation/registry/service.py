"""Registering children and issuing their credentials."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.batches.manifest import credential_key
from federation.registry.models import Checkpoint, ChildNode
from federation.registry.topology import check_child
from node.db.types import utcnow
from node.settings import Level


class RegistryError(Exception):
    """A registration request that cannot be honoured; the message says why."""


def add_child(
    session: Session,
    parent_code: str,
    parent_level: Level,
    code: str,
    name: str,
    level: Level,
    url: str | None = None,
) -> str:
    """Register a child and return its credential (shown once; only its hash is kept)."""
    try:
        check_child(parent_code, parent_level, code, level)
    except ValueError as exc:
        raise RegistryError(str(exc)) from None
    level = Level(level)
    existing = session.get(ChildNode, code)
    if existing is not None and existing.revoked_at is None:
        raise RegistryError(f"child {code} is already registered; revoke it first to re-issue")
    credential = f"fedcrm-{code}-{secrets.token_urlsafe(32)}"
    key_hash = credential_key(credential).hex()
    if existing is None:
        session.add(ChildNode(code=code, name=name, level=level.value, key_hash=key_hash, url=url))
    else:
        existing.name, existing.level, existing.key_hash = name, level.value, key_hash
        existing.url = url
        existing.revoked_at = None
    session.flush()
    return credential


def revoke_child(session: Session, code: str) -> None:
    child = session.get(ChildNode, code)
    if child is None:
        raise RegistryError(f"no child {code} is registered")
    child.revoked_at = utcnow()
    session.flush()


def list_children(session: Session) -> list[ChildNode]:
    return list(session.execute(select(ChildNode).order_by(ChildNode.code)).scalars())


def active_child(session: Session, code: str) -> ChildNode | None:
    child = session.get(ChildNode, code)
    return child if child is not None and child.revoked_at is None else None


def reset_checkpoints(session: Session, code: str) -> int:
    """Forget what was received from child `code` so it resends everything (resync).

    Rows already held stay; the resent ones are skipped or applied as their versions
    say, and each applied batch moves the checkpoint again, so an interrupted resync
    resumes where it stopped. Returns how many table checkpoints were reset.
    """
    if session.get(ChildNode, code) is None:
        raise RegistryError(f"no child {code} is registered")
    rows = session.execute(select(Checkpoint).where(Checkpoint.sender == code)).scalars().all()
    for row in rows:
        row.last_seq = 0
        row.rows_received = 0
    session.flush()
    return len(rows)
