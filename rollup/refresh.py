"""Recomputing partials: in full, or only for the origins that changed since the last run.

Every change to a replicated row gets this node's next `seq` in the same transaction
(rows received from children too), and seq is indexed. So the origins to recompute are
`SELECT DISTINCT origin ... WHERE seq > :watermark` over the four source tables, and the
new watermark is the largest seq committed when the run starts. A recomputed origin's
partials are replaced; every other origin's stay as they are. Writers on PostgreSQL
take the seq counter's row lock until they commit, so no change below the watermark can
still be uncommitted when it is read; a change that lands during the run has a larger
seq and is picked up by the next run.

A run recomputes everything when there is no earlier run, or when the window (a new
month began), the time zone or the partials' format differs from the last run's.

Reading and computing happen outside any write transaction (they take seconds on a big
node, and agents keep working); the result is saved in one short transaction, which
refuses to save if another run finished meanwhile (the caller may simply run again).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from node.churn.models import ChurnEvent
from node.customers.models import Customer
from node.db.unit_of_work import Database
from node.subscriptions.models import Subscription
from node.tickets.models import Ticket
from rollup.compute import compute_partials
from rollup.models import RollupRun
from rollup.partials import KINDS, PARTIALS_VERSION, concat
from rollup.periods import DEFAULT_TZ, Window, current_month, format_period
from rollup.source import read_tables
from rollup.store import last_run, save_partials

log = logging.getLogger("fedcrm.rollup")

SOURCE_MODELS = (Customer, Subscription, ChurnEvent, Ticket)
# Customers read and computed at once (with their subscriptions, churn and tickets): a
# few GB of Arrow at most. A bigger node (HQ) is done in batches of whole origins.
BATCH_CUSTOMERS = 2_000_000
_run_lock = threading.Lock()  # one run at a time in this process


class ConcurrentRun(RuntimeError):
    """Another run saved its partials while this one was computing; nothing was saved."""


@dataclass
class RunResult:
    full: bool
    origins: list[str]
    watermark: int
    window: Window
    rows_read: int
    streams: int
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        if not self.full and not self.origins:
            return f"rollup up to date: no changes since the last run (seq {self.watermark})"
        what = "all origins" if self.full else f"{len(self.origins)} changed origin(s)"
        if not self.full and self.origins:
            what += (
                " (" + ", ".join(self.origins[:10]) + ("…" if len(self.origins) > 10 else "") + ")"
            )
        return (
            f"recomputed {what} for {self.window.describe()}: {self.rows_read:,} rows read, "
            f"{self.streams:,} partials saved in {self.seconds:.2f} s"
        )


def max_seq(session: Session) -> int:
    """The largest change sequence number among the rollup's source tables."""
    highest = 0
    for model in SOURCE_MODELS:
        value = session.execute(select(func.max(model.seq))).scalar()
        highest = max(highest, int(value or 0))
    return highest


def changed_origins(session: Session, watermark: int) -> list[str]:
    """Origins with a change to any source table after `watermark` (seq index range)."""
    queries = [select(m.origin).where(m.seq > watermark) for m in SOURCE_MODELS]
    return sorted(set(session.execute(union(*queries)).scalars()))


def needs_full(last: RollupRun | None, window: Window) -> str | None:
    """Why the next run must recompute everything, or None if changes alone will do."""
    if last is None:
        return "no earlier run"
    if last.partials_version != PARTIALS_VERSION:
        return f"partials format {last.partials_version} -> {PARTIALS_VERSION}"
    if last.timezone != window.tz:
        return f"time zone {last.timezone} -> {window.tz}"
    if (last.window_first, last.window_last) != (
        format_period(window.first),
        format_period(window.last),
    ):
        return f"window {last.window_first}..{last.window_last} -> {window.describe()}"
    return None


def origin_batches(
    session: Session, origins: list[str] | None, limit: int
) -> list[list[str] | None]:
    """Origins to read together, each batch with at most about `limit` customers.

    Partials of one origin depend on that origin's rows only, so a big node is computed
    a batch of origins at a time and memory stays bounded. [None] means "everything in
    one read" (no origin filter).
    """
    stmt = select(Customer.origin, func.count()).group_by(Customer.origin)
    if origins is not None:
        stmt = stmt.where(Customer.origin.in_(origins))
    sizes = {origin: count for origin, count in session.execute(stmt).all()}
    if sum(sizes.values()) <= limit:
        return [None] if origins is None else [origins]
    every = origins if origins is not None else changed_origins(session, 0)
    batches: list[list[str] | None] = []
    batch: list[str] = []
    held = 0
    for origin in every:
        size = sizes.get(origin, 0)
        if batch and held + size > limit:
            batches.append(batch)
            batch, held = [], 0
        batch.append(origin)
        held += size
    if batch:
        batches.append(batch)
    return batches


def refresh(
    db: Database,
    trigger: str,
    *,
    full: bool = False,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
    progress: Callable[[str], None] | None = None,
    batch_customers: int = BATCH_CUSTOMERS,
) -> RunResult:
    """Bring the stored partials up to date; returns what was done.

    `now` fixes the current month (tests); `full` forces recomputing every origin;
    origins are read and computed in batches of about `batch_customers` customers.
    """
    say = progress or (lambda _: None)
    with _run_lock:
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        window = Window.ending(current_month(tz, now), tz=tz)
        with db.unit_of_work(write=False) as session:
            last = last_run(session)
            watermark = max_seq(session)
            reason = "forced" if full else needs_full(last, window)
            # needs_full gives a reason whenever there is no last run
            origins = (
                changed_origins(session, last.watermark)
                if last is not None and not reason
                else None
            )
            batches = origin_batches(session, origins, batch_customers) if origins != [] else []
        if reason:
            log.debug("rollup: full recompute (%s)", reason)
        phases = {"read": 0.0, "compute": 0.0}
        pieces: list[dict[str, pa.Table]] = []
        rows_read = 0
        for i, batch in enumerate(batches, start=1):
            what = "all origins" if batch is None else f"{len(batch)} origin(s)"
            say(f"reading {what}" + (f" (batch {i} of {len(batches)})" if len(batches) > 1 else ""))
            t = time.perf_counter()
            source = read_tables(db, batch)
            phases["read"] += time.perf_counter() - t
            rows_read += source.rows
            say("computing")
            t = time.perf_counter()
            pieces.append(compute_partials(source, window))
            phases["compute"] += time.perf_counter() - t
        parts = {name: concat(kind, [p[name] for p in pieces]) for name, kind in KINDS.items()}
        say("saving")
        t = time.perf_counter()
        with db.unit_of_work() as session:
            latest = last_run(session)
            if (latest.id if latest else None) != (last.id if last else None):
                raise ConcurrentRun("another rollup run finished meanwhile; run again")
            streams = save_partials(session, parts, origins, started)
            seconds = time.perf_counter() - t0
            session.add(
                RollupRun(
                    started_at=started,
                    finished_at=datetime.now(UTC),
                    trigger=trigger,
                    watermark=watermark,
                    window_first=format_period(window.first),
                    window_last=format_period(window.last),
                    timezone=tz,
                    partials_version=PARTIALS_VERSION,
                    full=origins is None,
                    origins=len(origins) if origins is not None else _origin_count(parts),
                    origin_codes=",".join(origins or []),
                    rows_read=rows_read,
                    seconds=seconds,
                )
            )
        phases["save"] = time.perf_counter() - t
        result = RunResult(
            full=origins is None,
            origins=origins or [],
            watermark=watermark,
            window=window,
            rows_read=rows_read,
            streams=streams,
            seconds=time.perf_counter() - t0,
            phases=phases,
        )
        log.debug("rollup (%s): %s", trigger, result.describe())
        return result


def _origin_count(parts: dict[str, pa.Table]) -> int:
    seen: set[str] = set()
    for table in parts.values():
        seen.update(table.column("origin").unique().to_pylist())
    return len(seen)


def pending_changes(db: Database) -> tuple[int, int | None]:
    """(largest seq now, watermark of the last run or None): cheap, for the scheduler."""
    with db.unit_of_work(write=False) as session:
        last = last_run(session)
        return max_seq(session), (last.watermark if last else None)
