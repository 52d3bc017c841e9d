"""Telephone events as the PBX reported them, and agents' state changes.

`cti_queue_events` is local to the node whose PBX wrote them: the figures computed from
them are what travels upward. `agent_state_events` replicates upward (issue 20 §1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.types import UTCDateTime
from node.db.value_rules import one_of


class QueueLogEvent(Base):
    """One line of Asterisk's queue_log; `key` makes a line imported twice one row."""

    __tablename__ = "cti_queue_events"
    __table_args__ = (
        Index("ix_cti_queue_events_call", "callid", "queue"),
        Index("ix_cti_queue_events_kind_time", "event", "epoch"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    key: Mapped[str] = mapped_column(String(32), unique=True)
    epoch: Mapped[int] = mapped_column(BigInteger)
    callid: Mapped[str] = mapped_column(String(80))
    queue: Mapped[str] = mapped_column(String(80))
    agent: Mapped[str] = mapped_column(String(80))
    event: Mapped[str] = mapped_column(String(20))
    data1: Mapped[str] = mapped_column(String(200), default="")
    data2: Mapped[str] = mapped_column(String(200), default="")
    data3: Mapped[str] = mapped_column(String(200), default="")
    data4: Mapped[str] = mapped_column(String(200), default="")
    data5: Mapped[str] = mapped_column(String(200), default="")


class CallDetailRecord(Base):
    """One line of Asterisk's Master.csv; `key` makes a line imported twice one row."""

    __tablename__ = "cti_call_records"
    __table_args__ = (Index("ix_cti_call_records_start", "start"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    key: Mapped[str] = mapped_column(String(32), unique=True)
    start: Mapped[int] = mapped_column(BigInteger)
    src: Mapped[str] = mapped_column(String(80))
    dst: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(80))
    disposition: Mapped[str] = mapped_column(String(12))
    duration: Mapped[int] = mapped_column(Integer)
    billsec: Mapped[int] = mapped_column(Integer)


class AgentState(StrEnum):
    signed_out = "signed_out"  # 签退 / 未签到
    ready = "ready"  # 示闲
    not_ready = "not_ready"  # 示忙 (with a not_ready_reason)
    ringing = "ringing"  # 振铃
    on_call = "on_call"  # 通话中
    wrap_up = "wrap_up"  # 话后处理


class StateSource(StrEnum):
    web = "web"
    api = "api"
    pbx = "pbx"


class AgentStateEvent(Base, Replicated):
    """One change of an agent's state, at the moment it happened. An agent's state is
    their latest event (none: signed out)."""

    __tablename__ = "agent_state_events"
    __table_args__ = (Index("ix_agent_state_events_user_at", "user_id", "at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    state: Mapped[str] = mapped_column(String(20), info=one_of(AgentState))
    # A not_ready_reason dictionary code, for not_ready only.
    reason: Mapped[str | None] = mapped_column(String(40), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(10), info=one_of(StateSource))
    callid: Mapped[str | None] = mapped_column(String(80), default=None)
