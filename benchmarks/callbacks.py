"""The callback pool under load (issue 21 "Measure"): 50 agents pulling from 10,000 call
tasks at once, on SQLite and on PostgreSQL.

What it does, in order:

1. Makes a fresh database (a temporary SQLite file; with --postgres URL, that database's
   public schema dropped and recreated), migrates it, publishes a two-question
   questionnaire and opens a campaign with --tasks tasks (bare numbers, one each).
2. Baseline, in the same process: one agent alone takes --baseline tasks (reserve, then
   post a completed result), each in its own transaction.
3. --agents threads, each an agent with its own engine and a session per request, start
   together and each take --per-agent tasks the same way, twice: at once (each asks
   again the moment its result is saved: the queue a shift start makes, bound by 50 x
   one call's time on SQLite's single writer) and working (between tasks each waits
   --think-ms on average, 0.5x to 1.5x, for the call itself; real callbacks last
   minutes, so this is still about 100 times the real pace). The target is read on
   the working run. The calls are in-process
   service calls (node.surveys.pool.reserve and results.record_result in one unit of
   work each, exactly what POST /api/v1/surveys/next and .../result run), not HTTP:
   what is measured is the database's part, the part that contends.
4. Checks: every reservation named a different task (results are final, so a task
   reserved twice at once would show up as a repeat), and after a last round left
   unposted, no agent holds two tasks (a query over call_tasks).
5. Prints next-task p50/p99/max for the baseline and under load, their ratio, the
   result call's p50/p99, and one JSON line. Never asserts times; exit status 1 only
   when a check fails.

The clock is fixed at a Tuesday 10:00 in Beijing (inside the calling window) plus the
elapsed time, so the run does not depend on the hour it is started.

Example:
    python benchmarks/callbacks.py
    python benchmarks/callbacks.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_h2
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from node.db.migrate import upgrade
from node.db.unit_of_work import Database
from node.process_heap import freeze_startup_heap
from node.surveys import audience, campaigns
from node.surveys.campaign_models import CallTask, DialResult
from node.surveys.definition import Definition
from node.surveys.pool import reserve
from node.surveys.results import Report, record_result
from node.surveys.service import create_questionnaire, publish

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 10:00 Beijing
STARTED = time.monotonic()
DEFINITION = {
    "questions": [
        {"code": "score", "type": "rating", "text": "满意吗？", "required": True},
        {"code": "nps", "type": "nps", "text": "推荐吗？"},
    ]
}
ANSWERS = {"score": 5, "nps": 9}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--per-agent", type=int, default=40, help="tasks each agent takes")
    parser.add_argument("--baseline", type=int, default=200, help="tasks one agent takes")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (its schema is reset)")
    parser.add_argument("--target-ms", type=float, default=50.0, help="next-task p99 target")
    parser.add_argument(
        "--think-ms", type=float, default=1000.0, help="mean time on a call, working run"
    )
    return parser.parse_args(argv)


def now() -> datetime:
    return T0 + timedelta(seconds=time.monotonic() - STARTED)


def fresh_database(postgres: str | None, workdir: Path) -> Database:
    """A migrated empty node database."""
    if postgres:
        engine = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        url = postgres
    else:
        url = f"sqlite:///{workdir / 'node.db'}"
    db = Database(url, "430100")
    upgrade(db.engine)
    return db


def fill(db: Database, tasks: int) -> None:
    """A published questionnaire, an open campaign, `tasks` one-number tasks."""
    with db.unit_of_work() as session:
        _, version = create_questionnaire(
            session, "满意度回访", "", Definition.model_validate(DEFINITION)
        )
        publish(session, version, "bench")
        rules = campaigns.Rules(lease_seconds=600)
        campaign = campaigns.create_campaign(session, "压测", version.id, rules, "bench")
        entries = [audience.Entry(None, (f"139{n:08d}",), n % 5) for n in range(tasks)]
        audience.add_list(session, campaign, entries, T0)


def take(db: Database, agent: uuid.UUID, post: bool) -> tuple[float, float, uuid.UUID | None]:
    """One reservation (timed), then its completed result (timed) unless `post` is off."""
    started = time.perf_counter()
    with db.unit_of_work() as session:
        task = reserve(session, agent, now())
        task_id = task.id if task is not None else None
    reserved = time.perf_counter()
    if task_id is not None and post:
        with db.unit_of_work() as session:
            report = Report(DialResult.completed, ANSWERS)
            record_result(session, task_id, agent, report, now())
    return reserved - started, time.perf_counter() - reserved, task_id


def run_agents(
    url: str, agents: int, rounds: int, think_s: float = 0.0
) -> tuple[list, list, list, list]:
    """`agents` threads taking `rounds` tasks each, then one more left unposted. Each
    agent has its own engine (its own connection), as each would its own HTTP client:
    one shared pool of 15 connections would measure the pool's queue instead."""
    next_ms: list[float] = []
    result_ms: list[float] = []
    taken: list[uuid.UUID] = []
    held: list[uuid.UUID] = []
    lock = threading.Lock()
    # Once every agent is connected, what lives is frozen out of the collector, as
    # `fedcrm serve` does once started (node.process_heap).
    barrier = threading.Barrier(agents, action=freeze_startup_heap)

    def agent_loop(seed: int) -> None:
        agent = uuid.uuid4()
        pace = random.Random(seed)
        db = Database(url, "430100")
        # Connected before the clock starts, as a server's pool is: on PostgreSQL a new
        # engine's first connection (and its dialect's start-up queries) took hundreds of
        # milliseconds with 50 threads starting, 2.4% of the calls, i.e. the whole p99.
        with db.engine.connect():
            pass
        barrier.wait()
        for round_no in range(rounds + 1):
            last = round_no == rounds
            if think_s:  # the first ask too: working agents do not start in step
                time.sleep(
                    think_s * pace.uniform(0.5, 1.5) if round_no else think_s * pace.random()
                )
            reserve_s, result_s, task_id = take(db, agent, post=not last)
            with lock:
                next_ms.append(reserve_s * 1000)
                if task_id is not None:
                    (held if last else taken).append(task_id)
                    if not last:
                        result_ms.append(result_s * 1000)
        db.dispose()

    threads = [threading.Thread(target=agent_loop, args=(n,)) for n in range(agents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return next_ms, result_ms, taken, held


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def holders_of_two(db: Database) -> int:
    """Agents holding more than one task (the unique index should make this 0)."""
    with db.unit_of_work(write=False) as session:
        counted = (
            select(CallTask.lease_agent_id)
            .where(CallTask.lease_agent_id.is_not(None))
            .group_by(CallTask.lease_agent_id)
            .having(func.count() > 1)
        )
        return len(session.execute(counted).all())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backend = "postgresql" if args.postgres else "sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        db = fresh_database(args.postgres, Path(tmp))
        started = time.perf_counter()
        fill(db, args.tasks)
        fill_s = time.perf_counter() - started
        base_next, _, base_taken, _ = run_agents(db.url, 1, args.baseline)
        rush_next, _, rush_taken, rush_held = run_agents(db.url, args.agents, args.per_agent)
        doubles = holders_of_two(db)
        started = time.perf_counter()
        load_next, load_result, taken, held = run_agents(
            db.url, args.agents, args.per_agent, args.think_ms / 1000
        )
        load_s = time.perf_counter() - started
        # Results are final and the unposted last rounds keep their leases (600 s), so
        # any task named twice over all the runs was handed out twice.
        every = base_taken + rush_taken + rush_held + taken + held
        twice = len(every) - len(set(every))
        doubles = max(doubles, holders_of_two(db))
        db.dispose()
    summary = {
        "benchmark": "callbacks",
        "backend": backend,
        "tasks": args.tasks,
        "agents": args.agents,
        "reservations": len(load_next),
        "fill_s": round(fill_s, 2),
        "baseline_next_p50_ms": round(statistics.median(base_next), 2),
        "baseline_next_p99_ms": round(percentile(base_next, 0.99), 2),
        "next_p50_ms": round(statistics.median(load_next), 2),
        "next_p99_ms": round(percentile(load_next, 0.99), 2),
        "next_max_ms": round(max(load_next), 2),
        "result_p50_ms": round(statistics.median(load_result), 2),
        "result_p99_ms": round(percentile(load_result, 0.99), 2),
        "reservations_per_s": round(len(load_next) / load_s, 1),
        "think_ms": args.think_ms,
        "at_once_next_p50_ms": round(statistics.median(rush_next), 2),
        "at_once_next_p99_ms": round(percentile(rush_next, 0.99), 2),
        "p99_ratio_to_baseline": round(
            percentile(load_next, 0.99) / percentile(base_next, 0.99), 1
        ),
        "tasks_reserved_twice": twice,
        "agents_holding_two": doubles,
        "target_p99_ms": args.target_ms,
    }
    print(
        f"{backend}: {args.agents} agents, {args.tasks} tasks\n"
        f"at once (no time between tasks): next task p50 {summary['at_once_next_p50_ms']} ms, "
        f"p99 {summary['at_once_next_p99_ms']} ms\n"
        f"working ({args.think_ms:.0f} ms a call on average): {len(load_next)} reservations "
        f"in {load_s:.1f} s ({summary['reservations_per_s']}/s)\n"
        f"next task: p50 {summary['next_p50_ms']} ms, p99 {summary['next_p99_ms']} ms, "
        f"max {summary['next_max_ms']} ms (one agent alone: p50 "
        f"{summary['baseline_next_p50_ms']} ms, p99 {summary['baseline_next_p99_ms']} ms; "
        f"p99 x{summary['p99_ratio_to_baseline']})\n"
        f"result: p50 {summary['result_p50_ms']} ms, p99 {summary['result_p99_ms']} ms\n"
        f"checks: tasks reserved twice {twice}, agents holding two {doubles}"
    )
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if twice == 0 and doubles == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
