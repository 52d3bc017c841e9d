"""The SMS outbox. Local to the node that dispatched the ticket, never replicated: what
a technician's telephone was sent is that office's business, not its parents'."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, SmallInteger, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, new_id
from node.db.types import UTCDateTime, utcnow
from node.db.value_rules import one_of


class SmsStatus(StrEnum):
    queued = "queued"  # waiting for its (next) attempt
    sent = "sent"  # Kannel accepted it
    delivered = "delivered"  # the handset has it (Kannel's delivery report 1)
    failed = "failed"  # given up: no number, refused, attempts spent, or not delivered


class SmsMessage(Base):
    """One text to one technician about one dispatch of one ticket."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        # A dispatch (or a reassignment: its own ticket event) enqueues one message;
        # the same event can never enqueue a second.
        UniqueConstraint("ticket_id", "dispatch_event_id", name="uq_sms_messages_dispatch"),
        # The sender's claim: queued messages in due order.
        Index("ix_sms_messages_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    dispatch_event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recipient_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    to_number: Mapped[str | None] = mapped_column(String(20), default=None)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(10), default=SmsStatus.queued, info=one_of(SmsStatus)
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    kannel_reply: Mapped[str | None] = mapped_column(String(200), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Unguessable, per message: the delivery report's URL carries it (node/sms/dlr.py).
    dlr_token: Mapped[str] = mapped_column(String(64))
    dlr_status: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    dlr_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
