"""The month's KPI read path at full size without the month's import (issue 20 "Measure":
KPI p99 under 1 s): `benchmarks/callcenter.py` needs about 28 minutes to import a month
before it can time a query; this puts a month of partial sums in place directly and
times the same reads.

What it does, in order:

1. A fresh city node database (a temporary SQLite file, or --postgres URL whose public
   schema is dropped and recreated), migrated.
2. A month of `call_figures` rows shaped as benchmarks/callcenter.py's import makes them
   (seeded): --days days, 15-minute slots 09:00-22:00, in each slot --active of the
   --agents agents, each in --queues-per-agent of the --queues queues (about 640,000
   rows by default, the 5-day run's 144,450 times 4.4), and the same agents' working
   time (`agent_time_figures`: a row per slot 09:00-22:00 and agent, one in ten with a
   not-ready reason's row beside it). Then `fedcrm cti refigure`'s functions fill
   `call_queue_figures`, `call_day_figures` and `agent_time_day_figures` from them, as a
   city upgraded to 0024 and 0026 does.
3. Baseline, same process: one pass that only counts and sums `offered` over the
   period's `call_figures` rows (the least any report of the month reads).
4. node.callcenter.figures_report for the whole month, --reps times each (after one
   untimed warm-up): slot=30m by slot, slot=day by queue and by node (the table the
   report picks: call_queue_figures), and slot=day by agent and by group twice: from the
   15-minute rows (`call_figures`, how it was read before 0026) and from the table the
   report picks (`call_day_figures`). Then the Worktime section's sums of the month
   (agent_time_store.summed_time) from `agent_time_figures` and from
   `agent_time_day_figures`. Prints p50/p99/max, the table read and the ratio of each
   p99 to the baseline, then one JSON line. Never asserts; exit 0.

Example:
    python benchmarks/kpi_month.py
    python benchmarks/kpi_month.py --days 2 --agents 20 --active 14 --reps 2  # a smoke run
    python benchmarks/kpi_month.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_bench_pages
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from node.callcenter.agent_time_days import refigure_time_days
from node.callcenter.agent_time_store import SUMS as TIME_SUMS
from node.callcenter.agent_time_store import summed_time
from node.callcenter.day_sums import refigure_days
from node.callcenter.figures_report import figures_from, table_read
from node.callcenter.figures_store import SUMS
from node.callcenter.models import AgentTimeDayFigures, AgentTimeFigures, CallFigures
from node.callcenter.queue_sums import refigure
from node.callcenter.schemas import KpiQuery
from node.db.migrate import upgrade
from node.db.unit_of_work import Database

NODE = "320400"
MONTH_START = 1796054400  # 2026-12-01 00:00 in Beijing
MONTH_END = MONTH_START + 31 * 86400
# (slot, group_by, the table read: None for the one the report picks)
QUERIES = (
    ("30m", "slot", None),
    ("day", "queue", None),
    ("day", "node", None),
    ("day", "agent", CallFigures),  # before 0026
    ("day", "agent", None),  # call_day_figures
    ("day", "group", CallFigures),  # before 0026
    ("day", "group", None),  # call_day_figures
)
WORKTIME = (AgentTimeFigures, AgentTimeDayFigures)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=22)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--active", type=int, default=140, help="agents with calls per slot")
    parser.add_argument("--queues", type=int, default=8)
    parser.add_argument("--queues-per-agent", type=int, default=4)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--postgres", default=None)
    return parser.parse_args(argv)


def fresh_database(postgres: str | None, workdir: Path) -> Database:
    if postgres:
        engine = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    db = Database(postgres or f"sqlite:///{workdir / 'node.db'}", NODE)
    upgrade(db.engine)
    return db


def month_agents(args: argparse.Namespace) -> list[tuple[str, uuid.UUID, str]]:
    return [(f"SIP/{8000 + i}", uuid.uuid4(), f"组{i % 10}") for i in range(args.agents)]


def month_rows(
    args: argparse.Namespace, agents: list[tuple[str, uuid.UUID, str]]
) -> list[dict[str, Any]]:
    """Seeded partial sums: per slot, the active agents in their queues."""
    rnd = random.Random(20)
    queues = [f"q{i}" for i in range(args.queues)]
    rows: list[dict[str, Any]] = []
    for day in range(args.days):
        for slot in range(36, 88):  # 09:00-22:00
            start = MONTH_START + day * 86400 + slot * 900
            for a in rnd.sample(range(args.agents), args.active):
                agent, user_id, group = agents[a]
                for queue in rnd.sample(queues, args.queues_per_agent):
                    sums = {name: rnd.randint(0, 5) for name in SUMS}
                    rows.append({"id": uuid.uuid4(), "origin": NODE, "origin_version": 1,
                                 "seq": len(rows) + 1, "slot_start": start, "queue": queue,
                                 "agent": agent, "user_id": user_id, "agent_group": group,
                                 **sums})  # fmt: skip
    return rows


def time_rows(
    args: argparse.Namespace, agents: list[tuple[str, uuid.UUID, str]]
) -> list[dict[str, Any]]:
    """Seeded working time: every agent signed in 09:00-22:00, one slot in ten partly at
    a meal (its reason's row beside the slot's)."""
    rnd = random.Random(21)
    rows: list[dict[str, Any]] = []

    def row(start: int, user_id: uuid.UUID, reason: str, **sums: int) -> None:
        rows.append({"id": uuid.uuid4(), "origin": NODE, "origin_version": 1,
                     "seq": 10_000_000 + len(rows), "slot_start": start, "user_id": user_id,
                     "reason": reason, **dict.fromkeys(TIME_SUMS, 0), **sums})  # fmt: skip

    for day in range(args.days):
        for slot in range(36, 88):  # 09:00-22:00
            start = MONTH_START + day * 86400 + slot * 900
            for _, user_id, _ in agents:
                wrap = rnd.randint(0, 120)
                row(start, user_id, "", signed_in=900, wrap_up=wrap, wrap_ups=int(wrap > 0))
                if rnd.random() < 0.1:
                    row(start, user_id, "meal", not_ready=rnd.randint(1, 900))
    return rows


def fill(db: Database, rows: list[dict[str, Any]], times: list[dict[str, Any]]) -> dict[str, int]:
    """The 15-minute rows inserted; the rows per queue and per day as refigure sums them."""
    with db.unit_of_work() as session:
        for i in range(0, len(rows), 20_000):
            session.execute(insert(CallFigures), rows[i : i + 20_000])
        for i in range(0, len(times), 20_000):
            session.execute(insert(AgentTimeFigures), times[i : i + 20_000])
    with db.unit_of_work() as session:
        return {
            "call_queue_figures": refigure(session, SUMS),
            "call_day_figures": refigure_days(session, SUMS),
            "agent_time_day_figures": refigure_time_days(session, TIME_SUMS),
        }


def timed(db: Database, work: Any, reps: int) -> list[float]:
    times = []
    for rep in range(reps + 1):
        started = time.perf_counter()
        with db.unit_of_work(write=False) as session:
            work(session)
        if rep:  # the first warms the caches
            times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def show(summary: dict[str, Any], name: str, label: str, times: list[float], base: float) -> None:
    p50, p99 = statistics.median(times), percentile(times, 0.99)
    summary[f"{name}_p50_ms"], summary[f"{name}_p99_ms"] = round(p50, 1), round(p99, 1)
    print(f"{label}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(times):.1f} ms "
          f"({p99 / base:.2f}x baseline)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    period = {"from": "2026-12-01T00:00", "to": "2027-01-01T00:00"}
    with tempfile.TemporaryDirectory() as tmp:
        db = fresh_database(args.postgres, Path(tmp))
        agents = month_agents(args)
        rows, times = month_rows(args, agents), time_rows(args, agents)
        started = time.perf_counter()
        derived = fill(db, rows, times)
        print(f"{len(rows):,} call_figures rows, {len(times):,} agent_time_figures rows; "
              + ", ".join(f"{n:,} {table} rows" for table, n in derived.items())
              + f" in {time.perf_counter() - started:.1f} s")  # fmt: skip
        F = CallFigures
        baseline = timed(
            db,
            lambda s: s.execute(
                select(func.count(), func.sum(F.offered)).where(
                    F.slot_start >= MONTH_START, F.deleted_at.is_(None)
                )
            ).one(),
            args.reps,
        )
        base_p99 = percentile(baseline, 0.99)
        summary: dict[str, Any] = {"benchmark": "kpi_month", "rows": len(rows),
                                   "backend": "postgresql" if args.postgres else "sqlite",
                                   "baseline_p99_ms": round(base_p99, 1)}  # fmt: skip
        print(f"baseline (count and sum over the month's agent rows): p99 {base_p99:.1f} ms")
        for slot, group_by, forced in QUERIES:
            query = KpiQuery.model_validate({**period, "slot": slot, "group_by": group_by})
            table = forced or table_read(query)
            work = lambda s, q=query, m=table: figures_from(s, q, m)  # noqa: E731
            name = f"{slot}_{group_by}_{table.__tablename__}"
            show(summary, name, f"slot={slot} group_by={group_by} from {table.__tablename__}",
                 timed(db, work, args.reps), base_p99)  # fmt: skip
        for model in WORKTIME:  # the Worktime section's sums of the month, by agent
            work = lambda s, m=model: summed_time(s, MONTH_START, MONTH_END, m)  # noqa: E731
            name = f"worktime_{model.__tablename__}"
            show(summary, name, f"Worktime sums from {model.__tablename__}",
                 timed(db, work, args.reps), base_p99)  # fmt: skip
        db.dispose()
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
