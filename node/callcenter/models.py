"""Telephone events as the PBX reported them. Local to the node whose PBX wrote them:
the figures computed from them are what travels upward (issue 20, later)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base


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
