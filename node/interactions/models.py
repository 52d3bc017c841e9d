"""Interactions (contact records): calls, messages, visits."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.types import UTCDateTime
from node.db.value_rules import one_of, within


class Channel(StrEnum):
    phone = "phone"
    sms = "sms"
    email = "email"
    visit = "visit"
    web = "web"


class Direction(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class CallResult(StrEnum):
    """How a queue ended a call (node.callcenter.calls.Outcome, stored)."""

    answered = "answered"
    abandoned = "abandoned"
    timeout = "timeout"
    exit_empty = "exit_empty"
    exit_key = "exit_key"


class Interaction(Base, Replicated):
    __tablename__ = "interactions"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    channel: Mapped[str] = mapped_column(String(10), info=one_of(Channel))
    direction: Mapped[str] = mapped_column(String(10), info=one_of(Direction))
    agent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ring_seconds: Mapped[int] = mapped_column(Integer, default=0, info=within(0, 3600))
    talk_seconds: Mapped[int] = mapped_column(Integer, default=0, info=within(0, 86_400))
    answered: Mapped[bool] = mapped_column(Boolean, default=True)
    outcome: Mapped[str | None] = mapped_column(String(100), default=None)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    # The work order opened on this call, if any (the desk's one-screen call handling).
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None, index=True)
    # A queued call as the PBX reported it (node.callcenter.call_interactions); all None
    # for a call or visit logged by hand. The PBX's uniqueid, the queue that answered it
    # (or the last it waited in), seconds waited in queues, how the queue ended it.
    call_id: Mapped[str | None] = mapped_column(String(80), default=None, index=True)
    queue: Mapped[str | None] = mapped_column(String(80), default=None)
    wait_seconds: Mapped[int | None] = mapped_column(Integer, default=None, info=within(0, 86_400))
    call_result: Mapped[str | None] = mapped_column(
        String(12), default=None, info=one_of(CallResult)
    )
    transferred: Mapped[bool | None] = mapped_column(Boolean, default=None)
