"""Rollup snapshots kept in the node's database. Local state: never replicated.

`rollup_partials` holds one Arrow IPC stream per (origin, period, kind): the partial
rows of that origin for that month, with when they were computed. `rollup_runs` records
every computation, with the change-sequence watermark it covered: the next run
recomputes only origins with changes after it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base
from node.db.types import UTCDateTime, utcnow


class RollupPartial(Base):
    __tablename__ = "rollup_partials"

    origin: Mapped[str] = mapped_column(String(6), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # Arrow IPC stream
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RollupRun(Base):
    __tablename__ = "rollup_runs"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(20))  # cli, api, nightly, changes, ...
    # Every change with seq <= watermark is reflected in the stored partials.
    watermark: Mapped[int] = mapped_column(BigInteger)
    window_first: Mapped[str] = mapped_column(String(7))
    window_last: Mapped[str] = mapped_column(String(7))
    timezone: Mapped[str] = mapped_column(String(40))
    partials_version: Mapped[int] = mapped_column(Integer)
    full: Mapped[bool] = mapped_column(Boolean)
    origins: Mapped[int] = mapped_column(Integer)  # how many were recomputed
    origin_codes: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    rows_read: Mapped[int] = mapped_column(BigInteger)
    seconds: Mapped[float] = mapped_column(Float)
