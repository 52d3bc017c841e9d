"""Baseline (a) of the replication benchmark: the same rows bulk-loaded straight into a
fresh HQ database by every fast path; the fastest is the reference."""

from __future__ import annotations

import argparse
import io
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lookup
import pyarrow as pa
import replication_data as data
from repl_topology import (
    TABLES,
    Node,
    discard,
    init_node,
    node_db_url,
    timed,
)

from federation.receiving.apply import with_seq
from federation.receiving.newer_wins import upsert_from, upsert_sql
from federation.storage import to_sqlite_columns
from node.db.engine import SQLITE_CACHE_KIB, SQLITE_MMAP_BYTES

# ---- (a) bulk load straight into a fresh HQ database -------------------------------------


@dataclass
class BulkResult:
    variant: str
    rows: int
    seconds: float
    rows_per_s: float
    phases: dict[str, float] = field(default_factory=dict)


def bulk_sqlite(
    db_path: Path,
    tables: dict[str, pa.Table],
    suspend_fts: bool,
    stage: bool = False,
    chunk: int | None = None,
) -> BulkResult:
    """ADBC straight into a migrated HQ database: one transaction, or one per `chunk` rows.

    Timestamps, dates, money and booleans are cast in Arrow to SQLite's storage forms
    first (docs/performance.md: letting the driver format timestamps halves its speed). Either
    `executemany(upsert, Arrow)` binds the rows, or (`stage`) `adbc_ingest` writes them
    into a temporary table and one INSERT .. SELECT upserts them (what the product does
    through its scratch schema). With `suspend_fts` the customers' FTS triggers stand
    aside (migration 0003) and the rows are indexed by one INSERT .. SELECT.
    """
    import adbc_driver_sqlite.dbapi as adbc

    phases: dict[str, float] = defaultdict(float)
    conn = adbc.connect(str(db_path), autocommit=True)
    cur = conn.cursor()
    rows = 0
    try:
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA synchronous = NORMAL")  # what node.db.engine sets
        cur.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
        cur.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        started = time.perf_counter()
        if chunk is None:
            cur.execute("BEGIN IMMEDIATE")
        for table, whole in tables.items():
            for offset in range(0, whole.num_rows, chunk or whole.num_rows):
                if chunk is not None:
                    cur.execute("BEGIN IMMEDIATE")
                piece = whole.slice(offset, chunk or whole.num_rows)
                _bulk_sqlite_piece(cur, table, piece, suspend_fts, stage, phases)
                rows += piece.num_rows
                if chunk is not None:
                    _timed_commit(cur, phases)
        if chunk is None:
            _timed_commit(cur, phases)
        seconds = time.perf_counter() - started
    finally:
        cur.close()
        conn.close()
    how = "adbc_ingest stage + INSERT..SELECT" if stage else "executemany"
    fts = "FTS suspended + INSERT..SELECT" if suspend_fts else "FTS triggers per row"
    txn = f"a transaction per {chunk:,} rows" if chunk else "one transaction"
    return BulkResult(
        f"SQLite ADBC {how}, {fts}, {txn}", rows, seconds, rows / seconds, dict(phases)
    )


def _timed_commit(cur: Any, phases: dict[str, float]) -> None:
    t0 = time.perf_counter()
    cur.execute("COMMIT")
    phases["commit"] += time.perf_counter() - t0


def _bulk_sqlite_piece(
    cur: Any,
    table: str,
    batch: pa.Table,
    suspend_fts: bool,
    stage: bool,
    phases: dict[str, float],
) -> None:
    t0 = time.perf_counter()
    n = batch.num_rows
    cur.execute(f"UPDATE counters SET value = value + {n} WHERE name = 'seq' RETURNING value")
    first = int(cur.fetchone()[0]) - n + 1
    staged = with_seq(batch, first)
    arrow = pa.Table.from_arrays(to_sqlite_columns(staged), names=staged.column_names)
    if table == "customers":  # a new customer's search key is its seq, as in the node
        arrow = arrow.append_column("search_key", arrow.column("seq"))
    phases[f"{table}: Arrow casts"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    if stage:
        cur.adbc_ingest(f"stage_{table}", arrow, mode="replace", temporary=True)
        source = f"SELECT {', '.join(arrow.column_names)} FROM stage_{table} WHERE true"
        phases[f"{table}: adbc_ingest"] += time.perf_counter() - t0
        t0 = time.perf_counter()
    else:
        source = f"VALUES ({', '.join('?' for _ in arrow.column_names)})"
    if table == "customers" and suspend_fts:
        cur.execute("INSERT INTO customer_fts_suspended (flag) VALUES (1)")
    sql = upsert_sql(table, arrow.column_names, source, insert_only=("search_key",))
    if stage:
        cur.execute(sql)
    else:
        cur.executemany(sql, arrow)
    phases[f"{table}: upsert"] += time.perf_counter() - t0
    if table == "customers" and suspend_fts:
        t0 = time.perf_counter()
        cur.execute(
            "INSERT INTO customer_fts (rowid, terms) SELECT search_key, search_terms "
            f"FROM customers WHERE seq BETWEEN {first} AND {first + n - 1}"
        )
        cur.execute("DELETE FROM customer_fts_suspended")
        phases["customers: FTS fill"] += time.perf_counter() - t0


def _uuid_exprs(columns: Sequence[str]) -> list[str]:
    # The stage holds hex text ids (Arrow strings); the table has uuid columns.
    return [f"{c}::uuid" if c == "id" or c.endswith("_id") else c for c in columns]


def _pg_allocate(cur: Any, n: int) -> int:
    cur.execute(f"UPDATE counters SET value = value + {n} WHERE name = 'seq' RETURNING value")
    return int(cur.fetchone()[0]) - n + 1


# A stage loader puts one table's staged rows into a temp table named `stage` and
# returns the expressions that read them back as the table's columns.
StageLoader = Callable[[Any, str, str, pa.Table], list[str]]


def _bulk_postgres(
    conn: Any, label: str, step: str, load: StageLoader, tables: dict[str, pa.Table]
) -> BulkResult:
    """Each table: allocate seqs, load a temp stage (`load`), one upsert; one commit."""
    phases: dict[str, float] = defaultdict(float)
    rows = 0
    with conn.cursor() as cur:
        started = time.perf_counter()
        for table, batch in tables.items():
            staged = with_seq(batch, _pg_allocate(cur, batch.num_rows))
            stage = f"bench_stage_{table}"
            t0 = time.perf_counter()
            exprs = load(cur, table, stage, staged)
            phases[f"{table}: {step}"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            cur.execute(upsert_from(table, staged.column_names, stage, exprs))
            cur.execute(f"DROP TABLE {stage}")
            phases[f"{table}: upsert"] += time.perf_counter() - t0
            rows += batch.num_rows
        t0 = time.perf_counter()
        conn.commit()
        phases["commit"] = time.perf_counter() - t0
        seconds = time.perf_counter() - started
    return BulkResult(label, rows, seconds, rows / seconds, dict(phases))


def bulk_postgres_adbc(url: str, tables: dict[str, pa.Table]) -> BulkResult:
    """ADBC adbc_ingest (binary COPY from Arrow) into a temp stage + one upsert per table."""
    import adbc_driver_postgresql.dbapi as adbc

    def load(cur: Any, table: str, stage: str, staged: pa.Table) -> list[str]:
        cur.adbc_ingest(stage, staged, mode="create", temporary=True)
        return _uuid_exprs(staged.column_names)

    with adbc.connect(lookup.psycopg_conninfo(url)) as conn:
        return _bulk_postgres(
            conn, "PostgreSQL ADBC adbc_ingest + upsert", "adbc_ingest", load, tables
        )


def bulk_postgres_copy(url: str, tables: dict[str, pa.Table], chunk: int = 100_000) -> BulkResult:
    """psycopg COPY (CSV written by Arrow's C++ writer) into a temp stage + one upsert.

    The stage is LIKE the table, so PostgreSQL parses hex ids into uuid on COPY.
    """
    import psycopg
    import pyarrow.csv as pacsv

    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")

    def load(cur: Any, table: str, stage: str, staged: pa.Table) -> list[str]:
        cols = ", ".join(staged.column_names)
        cur.execute(f"CREATE TEMP TABLE {stage} (LIKE {table} INCLUDING DEFAULTS)")
        with cur.copy(f"COPY {stage} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
            for start in range(0, staged.num_rows, chunk):
                buffer = io.BytesIO()
                pacsv.write_csv(staged.slice(start, chunk), buffer, write_options=options)
                copy.write(buffer.getvalue())
        return list(staged.column_names)

    with psycopg.connect(lookup.psycopg_conninfo(url)) as conn:
        return _bulk_postgres(conn, "PostgreSQL psycopg COPY csv + upsert", "COPY", load, tables)


def run_bulk(
    args: argparse.Namespace, run_dir: Path, city: Node, expected: dict[str, int]
) -> list[BulkResult]:
    """Every fastest-path variant, each into its own fresh migrated HQ database."""
    with timed("read the city's rows as wire Arrow (not timed)"):
        tables = data.read_wire_tables(city.db_url, TABLES)
    variants: list[tuple[str, Callable[[Node], BulkResult]]]
    if args.postgres:
        variants = [
            ("bulk_adbc", lambda n: bulk_postgres_adbc(n.db_url, tables)),
            ("bulk_copy", lambda n: bulk_postgres_copy(n.db_url, tables)),
        ]
    else:
        variants = [
            ("bulk_stage", lambda n: bulk_sqlite(n.dir / "node.db", tables, True, stage=True)),
            (
                "bulk_stage_chunked",
                lambda n: bulk_sqlite(n.dir / "node.db", tables, True, stage=True, chunk=50_000),
            ),
            ("bulk_fts_suspended", lambda n: bulk_sqlite(n.dir / "node.db", tables, True)),
            ("bulk_fts_triggers", lambda n: bulk_sqlite(n.dir / "node.db", tables, False)),
        ]
    results = []
    for key, load in variants:
        node = Node(
            "000000",
            "集团总部",
            "hq",
            run_dir / key,
            lookup.free_port(),
            node_db_url(args, run_dir / key, key),
        )
        with timed(f"fresh HQ database for {key}"):
            init_node(node)
        with timed(f"(a) {key}"):
            result = load(node)
        for table, n in expected.items():
            got = data.count_rows(node.db_url, table)
            if got != n:
                raise SystemExit(f"{key}: loaded {got} {table}, expected {n}")
        results.append(result)
        if not args.keep:
            discard(node)
    return results
