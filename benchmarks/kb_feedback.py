"""What counting a read costs, and how fast an owner's feedback figures read (issue 22
§3, knowledge-base feedback and view counts).

What it does, in order, on a fresh migrated node database (SQLite in a temporary
folder, or the empty PostgreSQL database `--postgres` names, whose schema it drops):

1. Baseline: `--reads` write transactions that do nothing (BEGIN IMMEDIATE on SQLite,
   as a read that counts a view opens), committed one by one.
2. The same number of transactions that each count one read (`count_view`: the seq
   allocation and the one upsert) of one of 100 articles on today's office day.
3. An owner's figures at HQ: one article read at `--nodes` nodes on each of 365 days and
   answered by `--answers` readers, a quarter of them with a comment; the report
   (`feedback_report`: per node, in all, the latest 20 comments) read 20 times.

Prints per-read milliseconds with and without the count, their ratio, and the report's
p50 and p99, then one JSON line.

Examples:
    python benchmarks/kb_feedback.py
    python benchmarks/kb_feedback.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_bench_kbf
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

# The repository before this folder: benchmarks/rollup.py would shadow the rollup package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from node.db.base import table_of
from node.db.migrate import upgrade
from node.db.stamping import stamp_new
from node.db.unit_of_work import Database
from node.knowledge.feedback import count_view
from node.knowledge.feedback_figures import feedback_report
from node.knowledge.feedback_models import KbFeedback, KbViewCount

HQ = "000000"


def _database(postgres: str | None, workdir: Path) -> Database:
    if postgres:
        engine = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        url = postgres
    else:
        url = f"sqlite:///{workdir / 'node.db'}"
    db = Database(url, HQ)
    upgrade(db.engine)
    with db.engine.begin() as conn:  # the migration creates it on PostgreSQL only
        held = conn.execute(text("SELECT count(*) FROM counters WHERE name = 'seq'")).scalar()
        if not held:
            conn.execute(text("INSERT INTO counters (name, value) VALUES ('seq', 0)"))
    return db


def _per_read_ms(db: Database, reads: int, count: bool) -> float:
    articles = [uuid.uuid4() for _ in range(100)]
    now = datetime.now(UTC)
    started = time.perf_counter()
    for n in range(reads):
        with db.unit_of_work() as session:
            if count:
                count_view(session, articles[n % 100], now)
            else:
                session.connection()  # the transaction opens, as for any write
    return (time.perf_counter() - started) * 1000 / reads


def _fill(db: Database, article: uuid.UUID, nodes: int, answers: int) -> None:
    """Rows as the cities' batches leave them at HQ (origins of their own)."""
    today = date.today()
    with db.unit_of_work() as session:
        for node in range(nodes):
            origin = f"{430100 + node:06d}"
            rows = [
                {"article_id": article, "day": today - timedelta(days=d), "views": 1 + d % 7}
                for d in range(365)
            ]
            stamp_new(session, rows)
            for row in rows:
                row["origin"] = origin
            session.connection().execute(insert(table_of(KbViewCount)), rows)
        rows = [
            {"article_id": article, "user_id": uuid.uuid4(), "username": f"reader{n}",
             "helpful": n % 3 != 0, "comment": f"第{n}条意见" if n % 4 == 0 else None}
            for n in range(answers)
        ]  # fmt: skip
        stamp_new(session, rows)
        for n, row in enumerate(rows):
            row["origin"] = f"{430100 + n % nodes:06d}"
        session.connection().execute(insert(table_of(KbFeedback)), rows)


def _report_ms(db: Database, article: uuid.UUID, runs: int = 20) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with db.unit_of_work(write=False) as session:
            report = feedback_report(session, article, date.today(), 20, 0)
        times.append((time.perf_counter() - started) * 1000)
    assert len(report.comments) == 20
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL (default SQLite)")
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--nodes", type=int, default=300)
    parser.add_argument("--answers", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        db = _database(args.postgres, Path(workdir))
        plain = _per_read_ms(db, args.reads, count=False)
        counted = _per_read_ms(db, args.reads, count=True)
        article = uuid.uuid4()
        _fill(db, article, args.nodes, args.answers)
        times = _report_ms(db, article)
        db.dispose()
    p50, p99 = statistics.median(times), times[-1]
    print(f"{db.dialect}: a transaction {plain:.2f} ms, with a counted read {counted:.2f} ms "
          f"(x{counted / plain:.2f}); report over {args.nodes} nodes x 365 days and "
          f"{args.answers} answers: p50 {p50:.1f} ms, p99 {p99:.1f} ms")  # fmt: skip
    print(json.dumps({"dialect": db.dialect, "plain_ms": round(plain, 3),
                      "counted_ms": round(counted, 3), "report_p50_ms": round(p50, 2),
                      "report_p99_ms": round(p99, 2), "nodes": args.nodes,
                      "answers": args.answers}))  # fmt: skip


if __name__ == "__main__":
    main()
