"""The replication benchmark's lag test: a steady change rate at the city, HQ polled for
when each change arrives."""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import replication_data as data
from repl_topology import (
    Node,
    Processes,
    console,
    serve_all,
)

from node.db.engine import make_engine

POLL_LAG = 0.2  # seconds between looks at HQ during the lag test


# ---- lag under a steady change rate -------------------------------------------------------


@dataclass
class LagResult:
    seconds: float
    target_rate: float
    achieved_rate: float
    changes: int
    inserts: int
    arrived: int
    missing: int
    p50_s: float
    p99_s: float
    max_s: float
    p99_lower_bound_s: float  # the same from the look before (see HqPoller)
    interval_s: float
    target_s: float
    generator_behind_s: float  # worst lateness of a transaction against its schedule
    warmup_s: float  # changes at the same rate before the measured window
    warmup_changes: int
    warmup_p99_s: float  # the warm-up's own lag, shown beside and never counted
    warmup_max_s: float


def _epoch(value: Any) -> float:
    """updated_at as read from HQ: naive UTC text on SQLite, timestamptz on PostgreSQL."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()
    return float(value.timestamp())


def _hex(value: Any) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "")


class HqPoller(threading.Thread):
    """Reads HQ every POLL_LAG seconds for customers applied since the last look.

    By HQ's own seq (unique index: each look costs one index range scan, even at 1M
    rows, where `updated_at > x` would scan the table): every apply stamps a new seq.
    Records, per customer id, (updated_at epoch, start of the look that first saw it,
    start of the look before). The row was visible at the first and not at the one
    before, so a lag taken from the first is an upper bound, and from the one before a
    lower bound: the two differ by the polling period (POLL_LAG) plus a look's time.
    """

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        with self.engine.connect() as conn:
            self.last_seq = int(
                conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM customers").scalar_one()
            )
        self.seen: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            previous = time.time()
            while not self.halt.is_set():
                looked = time.time()
                with self.engine.connect() as conn:
                    rows = conn.exec_driver_sql(
                        "SELECT seq, id, updated_at FROM customers "
                        f"WHERE seq > {self.last_seq} ORDER BY seq"
                    ).all()
                with self.lock:
                    for seq, row_id, updated in rows:
                        self.seen[_hex(row_id)].append((_epoch(updated), looked, previous))
                        self.last_seq = max(self.last_seq, int(seq))
                previous = looked
                self.halt.wait(max(0.0, POLL_LAG - (time.time() - looked)))
        except BaseException as exc:  # reported by the main thread
            self.error = exc
        finally:
            self.engine.dispose()

    def holds(self, row_id: str, stamp: float) -> tuple[float, float] | None:
        """(look before, first look) at which HQ held this change (this version or a
        newer one), or None if it has not been seen yet."""
        with self.lock:
            for updated, looked, previous in self.seen.get(row_id, ()):
                if updated >= stamp - 1e-6:
                    return previous, looked
        return None


class ChangeGenerator:
    """Steady changes at the city through the node's unit of work (the ORM stamps seq,
    origin_version and updated_at, exactly as an agent's edit through the API would)."""

    def __init__(self, city: Node, insert_share: float, seed: int) -> None:
        from node.db.unit_of_work import Database

        self.db = Database(city.db_url, data.CITY)
        self.rng = random.Random(seed)
        self.insert_share = insert_share
        with self.db.engine.connect() as conn:
            ids = conn.exec_driver_sql(
                f"SELECT id FROM customers WHERE origin = '{data.CITY}'"
            ).scalars()
            self.ids = [uuid.UUID(_hex(i)) for i in ids]
        self.changes: list[tuple[str, float]] = []  # (id hex, updated_at epoch)
        self.inserts = 0
        self.new_index = 0

    def batch(self, size: int, tick: int) -> None:
        """One transaction of `size` changes: mostly note updates, some new customers."""
        from sqlalchemy import select

        from node.customers.models import Customer
        from node.customers.resource import next_customer_no
        from node.customers.search_terms import customer_search_terms
        from node.db.types import utcnow

        new = sum(self.rng.random() < self.insert_share for _ in range(size))
        chosen = self.rng.sample(self.ids, size - new)
        with self.db.unit_of_work() as session:
            rows = list(session.scalars(select(Customer).where(Customer.id.in_(chosen))))
            for row in rows:
                row.note = f"lag probe {tick}"
            numbers = next_customer_no(session, new) if new else []
            for number in numbers:
                self.new_index += 1
                name, home = "测试客户", f"湖南省长沙市芙蓉区五一大道{self.new_index}号"
                customer = Customer(
                    customer_no=number,
                    name=name,
                    type="individual",
                    status="active",
                    grade="standard",
                    phone=f"199{self.new_index:08d}",
                    home_address=home,
                    joined_at=utcnow(),
                    search_terms=customer_search_terms(name, home),
                )
                session.add(customer)
                rows.append(customer)
            session.flush()  # stamps seq, origin_version and updated_at
            stamped = [(r.id.hex, r.updated_at.timestamp()) for r in rows]
        self.changes.extend(stamped)  # committed
        self.inserts += len(numbers)
        self.ids.extend(uuid.UUID(h) for h, _ in stamped[len(stamped) - len(numbers) :])

    def close(self) -> None:
        self.db.dispose()


def percentile(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    return statistics.quantiles(s, n=100, method="inclusive")[int(q) - 1]


def run_lag(args: argparse.Namespace, procs: Processes, nodes: dict[str, Node]) -> LagResult:
    hq, city = nodes["hq"], nodes["city"]
    serve_all(procs, [nodes["hq"], nodes["province"], city], args.interval, args.ready_timeout)
    # Let the first cycles (resume from the parents' checkpoints) pass before measuring.
    time.sleep(2 * args.interval + 1)
    generator = ChangeGenerator(city, args.insert_share, args.seed)
    poller = HqPoller(hq.db_url)
    poller.start()
    size = args.lag_batch
    period = size / args.rate
    behind = 0.0
    warmup_ticks = round(args.lag_warmup / period)
    split = 0  # changes before this index belong to the warm-up
    try:
        start = time.perf_counter()
        tick = 0
        with console.status(f"lag: {args.rate:,.0f} changes/s at the city") as status:
            while True:
                due = start + tick * period
                now = time.perf_counter()
                if due - start >= args.lag_warmup + args.lag_seconds:
                    break
                if tick == warmup_ticks:
                    split, measured_from = len(generator.changes), due
                if due > now:
                    time.sleep(due - now)
                elif tick >= warmup_ticks:
                    behind = max(behind, now - due)
                generator.batch(size, tick)
                tick += 1
                if tick % 20 == 0:
                    phase = "warm-up" if tick < warmup_ticks else "measuring"
                    status.update(
                        f"lag ({phase}): {len(generator.changes):,} changes "
                        f"({time.perf_counter() - start:.0f} s)"
                    )
            elapsed = time.perf_counter() - measured_from
            # Wait for the last changes to reach HQ (every change, not just most of them).
            deadline = time.monotonic() + max(30.0, 10 * args.interval)
            pending = generator.changes
            while time.monotonic() < deadline:
                if poller.error:
                    raise poller.error
                pending = [c for c in pending if poller.holds(*c) is None]
                if not pending:
                    break
                status.update(f"lag: waiting for {len(pending):,} changes to reach HQ")
                time.sleep(POLL_LAG)
    finally:
        poller.halt.set()
        poller.join(timeout=10)
        generator.close()
    lags, lower, missing = [], [], 0
    for row_id, stamp in generator.changes[split:]:
        seen = poller.holds(row_id, stamp)
        if seen is None:
            missing += 1
        else:
            lags.append(seen[1] - stamp)
            lower.append(max(0.0, seen[0] - stamp))
    if not lags:
        raise SystemExit("lag: no change reached HQ")
    warm = [s[1] - t for i, t in generator.changes[:split] if (s := poller.holds(i, t))]
    measured = len(generator.changes) - split
    return LagResult(
        seconds=elapsed,
        target_rate=args.rate,
        achieved_rate=measured / elapsed,
        changes=measured,
        inserts=generator.inserts,
        arrived=len(lags),
        missing=missing,
        p50_s=statistics.median(lags),
        p99_s=percentile(lags, 99),
        max_s=max(lags),
        p99_lower_bound_s=percentile(lower, 99),
        interval_s=args.interval,
        target_s=2 * args.interval,
        generator_behind_s=behind,
        warmup_s=args.lag_warmup,
        warmup_changes=split,
        warmup_p99_s=percentile(warm, 99) if warm else 0.0,
        warmup_max_s=max(warm, default=0.0),
    )
