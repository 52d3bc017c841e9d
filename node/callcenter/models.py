"""Telephone events as the PBX reported them, and agents' state changes.

`cti_queue_events` is local to the node whose PBX wrote them: the figures computed from
them (`call_figures`) are what travels upward. `agent_state_events` replicates upward
(issue 20 §1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.types import UTCDateTime
from node.db.value_rules import one_of, within


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


# A sum of a 15-minute slot fits an int with room to spare; PostgreSQL's integer holds
# 2^31-1, which value rules keep (a child cannot send what the column would refuse).
_SUM = within(0, 2**31 - 1)


class CallSums:
    """CCmonitor's mergeable sums of one slot (node.callcenter.kpis.Figures): counts and
    seconds add up, `max_wait` merges by maximum."""

    offered: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    answered: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    abandoned: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    short_abandoned: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    timeouts: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    exit_empty: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    exit_key: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    answered_within_sl: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    transfers: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    ring_no_answer: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    outbound_calls: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    outbound_talk_seconds: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    hold_seconds: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    talk_seconds: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    max_wait: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)


class CallFigures(Base, Replicated, CallSums):
    """The mergeable sums of CCmonitor's figures for one 15-minute slot, queue and agent
    at the node whose PBX reported the calls (issue 20 §7); they replicate upward so a
    province compares its cities and HQ its provinces. `queue` is "" for outbound calls
    and `agent` "" for calls nobody answered. Derived: node.callcenter.figures_store."""

    __tablename__ = "call_figures"
    __table_args__ = (
        Index("ix_call_figures_slot_start", "slot_start"),
        # A slot computed again sums its agents' days again (node.callcenter.day_sums):
        # a few agents' rows of one day, not the whole day's.
        Index("ix_call_figures_agent_slot_start", "agent", "slot_start"),
    )

    slot_start: Mapped[int] = mapped_column(BigInteger, info=within(0, 2**40))  # Unix time
    queue: Mapped[str] = mapped_column(String(80))
    agent: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)  # the agent's user
    agent_group: Mapped[str | None] = mapped_column(String(40), default=None)


class CallQueueFigures(Base, Replicated, CallSums):
    """`call_figures` summed over the agents: one row per 15-minute slot and queue at the
    node whose PBX reported the calls, so a month's report by slot, queue or node reads
    a row per slot and queue instead of one per agent as well (issue 20 §7, the KPI
    target). Derived from the node's own `call_figures` rows: node.callcenter.queue_sums."""

    __tablename__ = "call_queue_figures"
    __table_args__ = (Index("ix_call_queue_figures_slot_start", "slot_start"),)

    slot_start: Mapped[int] = mapped_column(BigInteger, info=within(0, 2**40))  # Unix time
    queue: Mapped[str] = mapped_column(String(80))


class CallDayFigures(Base, Replicated, CallSums):
    """`call_figures` summed over each office day (Asia/Shanghai): one row per day,
    queue, agent, user and group at the node whose PBX reported the calls, so a report
    by day and agent or group over a month reads a row per day instead of 96 (issue 20
    §7, the KPI target). `slot_start` is the day's start (a day-long slot). Derived from
    the node's own `call_figures` rows, always their merge: node.callcenter.day_sums."""

    __tablename__ = "call_day_figures"
    __table_args__ = (Index("ix_call_day_figures_slot_start", "slot_start"),)

    slot_start: Mapped[int] = mapped_column(BigInteger, info=within(0, 2**40))  # Unix time
    queue: Mapped[str] = mapped_column(String(80))
    agent: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    agent_group: Mapped[str | None] = mapped_column(String(40), default=None)


class AgentTimeFigures(Base, Replicated):
    """The mergeable sums of agents' working time for one 15-minute slot, agent and
    not-ready reason, at the agent's node (issue 20 §7, seed 001's Worktime): the row
    with `reason` "" holds signed-in and wrap-up seconds and the wrap-ups begun, and
    not-ready seconds without a reason; a reason's row its not-ready seconds. Only spans
    that have ended are summed (an agent's latest state is still running: readers add
    it). Derived: node.callcenter.agent_time_store."""

    __tablename__ = "agent_time_figures"
    __table_args__ = (
        Index("ix_agent_time_figures_slot_start", "slot_start"),
        # An agent's slots computed again sum their days again (node.callcenter
        # .agent_time_days): one agent's rows of a day, not every agent's.
        Index("ix_agent_time_figures_user_slot_start", "user_id", "slot_start"),
    )

    slot_start: Mapped[int] = mapped_column(BigInteger, info=within(0, 2**40))  # Unix time
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(40))
    signed_in: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    not_ready: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    wrap_up: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    wrap_ups: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)


class AgentTimeDayFigures(Base, Replicated):
    """`agent_time_figures` summed over each office day (Asia/Shanghai): one row per
    day, agent and not-ready reason, so the Worktime of a period on whole days reads a
    row per day instead of 96. `slot_start` is the day's start. Derived from the node's
    own `agent_time_figures` rows, always their merge: node.callcenter.agent_time_days."""

    __tablename__ = "agent_time_day_figures"
    __table_args__ = (Index("ix_agent_time_day_figures_slot_start", "slot_start"),)

    slot_start: Mapped[int] = mapped_column(BigInteger, info=within(0, 2**40))  # Unix time
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(40))
    signed_in: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    not_ready: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    wrap_up: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
    wrap_ups: Mapped[int] = mapped_column(Integer, default=0, info=_SUM)
