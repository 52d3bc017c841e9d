"""Federation state kept in the node's database: children, checkpoints, outbox, quarantine."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base
from node.db.types import UTCDateTime, utcnow


class ChildNode(Base):
    """A registered child and the public key its signatures verify with.

    `key_hash` is a link's legacy HMAC key (SHA-256 of a credential issued before
    keys): anyone holding it can sign as the child, so it is accepted only until
    `hmac_accepted_until` (docs/operations.md "Rotating a key")."""

    __tablename__ = "federation_children"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    public_key: Mapped[str | None] = mapped_column(String(80), default=None)
    key_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    hmac_accepted_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Where the child serves /federation/v1/digest, for `fedcrm verify` (optional).
    url: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Checkpoint(Base):
    """What this node has durably applied from one child, per table."""

    __tablename__ = "federation_checkpoints"

    sender: Mapped[str] = mapped_column(String(6), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_applied: Mapped[int] = mapped_column(BigInteger, default=0)
    # Applied or skipped as not newer: what a resync's progress counts.
    rows_received: Mapped[int] = mapped_column(BigInteger, default=0)
    batches_applied: Mapped[int] = mapped_column(BigInteger, default=0)
    last_batch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    newest_change_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class OutboxState(Base):
    """How far the parent has acknowledged this node's changes, per table."""

    __tablename__ = "federation_outbox"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class QuarantinedBatch(Base):
    """A refused batch, kept with its reason; its body and manifest are files beside it."""

    __tablename__ = "federation_quarantine"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sender: Mapped[str | None] = mapped_column(String(16), default=None)
    table_name: Mapped[str | None] = mapped_column(String(40), default=None)
    status_code: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    manifest: Mapped[str | None] = mapped_column(Text, default=None)
    body_path: Mapped[str | None] = mapped_column(String(400), default=None)
    body_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
