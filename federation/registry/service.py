"""Registering children with their public keys, and rotating a child's key."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.batches.signatures import Verifier, parse_public_key, public_key_text
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
    public_key: str,
    url: str | None = None,
) -> None:
    """Register a child by its public key (`fedcrm key show` at the child prints it).
    Nothing secret is stored: the key verifies the child's signatures, it cannot make one.
    """
    try:
        check_child(parent_code, parent_level, code, level)
    except ValueError as exc:
        raise RegistryError(str(exc)) from None
    key = _normalised_key(public_key)
    level = Level(level)
    existing = session.get(ChildNode, code)
    if existing is not None and existing.revoked_at is None:
        raise RegistryError(f"child {code} is already registered; revoke it first to re-register")
    if existing is None:
        session.add(ChildNode(code=code, name=name, level=level.value, public_key=key, url=url))
    else:
        existing.name, existing.level, existing.public_key = name, level.value, key
        existing.key_hash, existing.hmac_accepted_until = None, None
        existing.url = url
        existing.revoked_at = None
    session.flush()


def rotate_child(session: Session, code: str, public_key: str, hmac_days: float) -> ChildNode:
    """Give an active child a new public key, accepted at once.

    A legacy link (one with an HMAC key) keeps its HMAC tags accepted for `hmac_days`
    more days from now, so the child may switch at its own pace; 0 refuses them at once.
    """
    if hmac_days < 0:
        raise RegistryError("--hmac-days must be 0 or more")
    key = _normalised_key(public_key)
    child = active_child(session, code)
    if child is None:
        raise RegistryError(f"no active child {code} is registered")
    child.public_key = key
    if child.key_hash is not None and hmac_days > 0:
        child.hmac_accepted_until = utcnow() + timedelta(days=hmac_days)
    else:
        child.key_hash, child.hmac_accepted_until = None, None
    session.flush()
    return child


def child_verifier(child: ChildNode) -> Verifier:
    """What a child's signatures are checked with: its key, and its legacy HMAC key
    while its window lasts."""
    return Verifier(
        public_key=parse_public_key(child.public_key) if child.public_key else None,
        hmac_key=bytes.fromhex(child.key_hash) if child.key_hash else None,
        hmac_until=child.hmac_accepted_until,
    )


def _normalised_key(text: str) -> str:
    try:
        return public_key_text(parse_public_key(text))
    except ValueError as exc:
        raise RegistryError(str(exc)) from None


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
