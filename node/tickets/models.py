"""Work orders (工单) and their status history."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.types import UTCDateTime
from node.db.value_rules import one_of, within


class Severity(StrEnum):
    major = "major"  # resolve within 24 h
    general = "general"  # resolve within 48 h


class TicketStatus(StrEnum):
    open = "open"
    dispatched = "dispatched"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    reopened = "reopened"


class TicketField(StrEnum):
    """The ticket changes that are events of their own besides a status move."""

    technician_id = "technician_id"
    severity = "severity"


# Waiting on us: what the customer 360 view, the tickets board and key accounts show open.
OPEN_TICKET_STATES = (
    TicketStatus.open,
    TicketStatus.dispatched,
    TicketStatus.in_progress,
    TicketStatus.reopened,
)


class Ticket(Base, Replicated):
    __tablename__ = "tickets"
    # The queue pages one status at a time in due order (closed: the latest first):
    # walked in index order, a page 50 deep costs what the first costs, instead of
    # sorting every closed ticket (benchmarks/pages.py).
    __table_args__ = (Index("ix_tickets_status_due", "status", "due_at", "id"),)

    ticket_no: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(
        String(10), default=Severity.general, info=one_of(Severity)
    )
    status: Mapped[str] = mapped_column(
        String(20), default=TicketStatus.open, index=True, info=one_of(TicketStatus)
    )
    service_area: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    technician_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None, index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    repeat_of_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    satisfaction: Mapped[int | None] = mapped_column(Integer, default=None, info=within(1, 5))


class TicketEvent(Base, Replicated):
    __tablename__ = "ticket_events"

    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    from_status: Mapped[str | None] = mapped_column(
        String(20), default=None, info=one_of(TicketStatus)
    )
    to_status: Mapped[str] = mapped_column(String(20), info=one_of(TicketStatus))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    # A change that is not a move between states (from_status == to_status then):
    # a reassignment or a new severity, with the values before and after.
    field: Mapped[str | None] = mapped_column(String(20), default=None, info=one_of(TicketField))
    old_value: Mapped[str | None] = mapped_column(String(64), default=None)
    new_value: Mapped[str | None] = mapped_column(String(64), default=None)
