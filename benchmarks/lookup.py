"""Customer look-up latency through the HTTP API at N customers (issue target: p99 < 50 ms).

What it does, in order:

1. Builds (or reuses, see --workdir/--fresh) a city node 430100 with N synthetic customers:
   `fedcrm init` + `fedcrm user add` through the real CLI, then a bulk load that bypasses
   the API and ORM (benchmarks/synthetic_customers.py).
2. Draws the queries from loaded rows, so every query should hit: full phone, last four
   phone digits, full ID number, a 2-character and a 1-character name fragment, pinyin
   initials, an address fragment.
3. Shows the query plan the database picks for one query of each kind, compiled from the
   app's own node.customers.lookup.apply_lookup, and flags any kind that scans.
4. Starts `fedcrm serve DIR` as a separate process on a free loopback port, waits for
   /readyz, logs in, and times the queries sequentially on one keep-alive httpx.Client,
   interleaved round-robin with GET /healthz (the HTTP floor) and GET /api/v1/auth/me
   (the floor plus token check) so machine noise hits every kind alike. The server is
   stopped in all cases.
5. Prints a rich table and, last, one JSON line for machines. Exit status 0 when every
   kind's p99 is under 50 ms and every query found its customer, else 1.

Examples:
    python benchmarks/lookup.py --customers 20000
    python benchmarks/lookup.py --customers 20000 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_bench_lookup
    python benchmarks/lookup.py                      # 1,000,000 customers on SQLite
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

# Run as a script (python benchmarks/lookup.py): make the sibling module importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `rollup` is the package

import synthetic_customers as synth

from node.auth.accounts import User
from node.auth.viewer import Viewer
from node.customers.lookup import QueryKind, apply_lookup, classify
from node.customers.resource import CustomerResource
from node.db.engine import make_engine
from node.provisioning.errors import ProvisioningError
from node.provisioning.serving import stop_serving, wait_until_ready

# Bump when the generator changes what it produces: cached node dirs are then rebuilt.
GENERATOR_VERSION = 1
MARKER = "bench.json"  # written only after a complete load
OWNED = ".fedcrm-bench"  # written first: this directory is ours to delete
USERNAME = "bench"
PASSWORD = "lookup-timing-node-7Qx"  # a throw-away node, never a real one (no username in it)
TARGET_P99_MS = 50.0
RATIO_WARN = 20.0  # p99 / floor above this is worth a look even under the target

# Wide enough for the table when the output goes to a file or a pipe (rich: 80 columns).
console = Console(highlight=False, width=None if sys.stdout.isatty() else 150)


@dataclass(frozen=True)
class Kind:
    """One kind of look-up: what the agent types and what the app must classify it as."""

    key: str
    label: str
    expect: QueryKind


KINDS: tuple[Kind, ...] = (
    Kind("phone", "full phone", QueryKind.phone),
    Kind("phone_tail", "last 4 phone digits", QueryKind.phone_tail),
    Kind("id_number", "full ID number", QueryKind.id_number),
    Kind("name2", "name, 2 chars (建国, 张翔)", QueryKind.text),
    Kind("name1", "name, 1 char", QueryKind.text),
    Kind("pinyin", "pinyin initials (zjg)", QueryKind.pinyin),
    Kind("address", "address fragment, 2-4 chars", QueryKind.text),
)


# ---- the node directory: build once, reuse ------------------------------------------


@dataclass
class LoadStats:
    rows: int
    seconds: float
    rows_per_s: float
    generate_workers: int
    sqlite_mode: str | None = None
    phases: dict[str, float] = field(default_factory=dict)


@dataclass
class Node:
    data_dir: Path
    db_url: str
    backend: str
    load: LoadStats | None  # None when the cached node was reused
    filled: dict[str, Any] | None = None  # what NodeRecipe.fill reported; None when reused


@dataclass(frozen=True)
class NodeRecipe:
    """What a benchmark's node holds besides its N customers, and who logs in to it.

    This script's own is LOOKUP; other benchmarks (pages.py) build on the same node with
    more rows: `fill` loads them after the customers, `keys` are the parameters the cached
    node is keyed by beyond the customers, and `counts` the row counts a reused node must
    still have (its customers are always checked).
    """

    name: str  # the script's name; default workdir bench-out/{name}[-pg]-{size}
    username: str
    password: str
    role: str
    size: str | None = None  # default: the number of customers
    keys: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    fill: Callable[[Node, argparse.Namespace], dict[str, Any]] | None = None


LOOKUP = NodeRecipe("lookup", USERNAME, PASSWORD, "admin")


def fedcrm_command() -> list[str]:
    """The `fedcrm` entry point of this interpreter's environment (not whatever is on PATH)."""
    script = Path(sys.executable).with_name("fedcrm")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "node.cli"]


def node_env(**overrides: str) -> dict[str, str]:
    """The environment for fedcrm subprocesses, without the caller's FEDCRM_* settings.

    FEDCRM_* variables override node.toml (e.g. FEDCRM_DATABASE__URL), so one left in
    the shell could silently point the benchmark at another database.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDCRM_")}
    return env | overrides


def run_cli(args: Sequence[str], stdin: str | None = None) -> None:
    cmd = [*fedcrm_command(), *args]
    result = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, check=False, env=node_env()
    )
    if result.returncode != 0:
        raise SystemExit(
            f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}{result.stderr}"
        )


def psycopg_conninfo(url: str, database: str | None = None) -> str:
    """A libpq URL from a SQLAlchemy one (drops the +psycopg driver suffix)."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def recreate_postgres_database(url: str) -> None:
    """Drop the benchmark database named in `url`; `fedcrm init` creates it again."""
    import psycopg

    name = make_url(url).database
    if not name:
        raise SystemExit(f"--postgres URL needs a database name: {url}")
    with psycopg.connect(psycopg_conninfo(url, "postgres"), autocommit=True) as conn:
        # FORCE: a previous run's server that was killed hard may still hold connections.
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def count_rows(engine: Engine, table: str = "customers") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def cached_node(
    workdir: Path, expected: dict[str, Any], counts: dict[str, int] | None = None
) -> Node | None:
    """The node in `workdir` if a previous run completed it with the same parameters
    and its tables still hold `counts` rows (the customers always)."""
    marker = workdir / MARKER
    if not marker.is_file():
        return None
    try:
        saved = json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return None
    if {k: saved.get(k) for k in expected} != expected:
        return None
    wanted = {"customers": expected["customers"], **(counts or {})}
    try:
        engine = make_engine(saved["db_url"])
        try:
            found = {table: count_rows(engine, table) for table in wanted}
        finally:
            engine.dispose()
    except Exception:  # a vanished database or file: rebuild
        return None
    if found != wanted:
        return None
    return Node(workdir, saved["db_url"], expected["backend"], None)


def clear_workdir(workdir: Path, by: str = "lookup") -> None:
    """Remove a previous benchmark node; refuse to delete a directory that is not one.

    Only a directory this script created (it holds OWNED, written before `fedcrm init`)
    is deleted, so pointing --workdir at a real node by mistake does not wipe it.
    """
    if workdir.exists():
        if not (workdir / OWNED).exists() and any(workdir.iterdir()):
            raise SystemExit(
                f"{workdir} is not empty and was not made by this benchmark; pick --workdir"
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / OWNED).write_text(f"created by benchmarks/{by}.py; safe to delete\n")


def build_node(
    args: argparse.Namespace, workdir: Path, expected: dict[str, Any], recipe: NodeRecipe = LOOKUP
) -> Node:
    clear_workdir(workdir, recipe.name)
    backend = expected["backend"]
    db_url = args.postgres or f"sqlite:///{(workdir / 'node.db').resolve()}"
    if backend == "postgresql":
        console.print(f"[yellow]dropping and recreating PostgreSQL database {db_url}[/]")
        recreate_postgres_database(db_url)
    init = ["init", str(workdir), "--level", "city", "--code", synth.NODE_CODE, "--name", "长沙市"]
    if backend == "postgresql":
        init += ["--db", db_url]
    run_cli(init)
    user = ["user", "add", str(workdir), "--username", recipe.username, "--role", recipe.role]
    run_cli([*user, "--password-stdin"], stdin=recipe.password + "\n")
    if backend == "sqlite":
        stats = load_sqlite(workdir / "node.db", args.customers, args)
    else:
        stats = load_postgres(db_url, args.customers, args)
    console.print(
        f"[bold]loaded {stats.rows:,} customers in {stats.seconds:.1f} s "
        f"({stats.rows_per_s:,.0f} rows/s)[/]"
    )
    node = Node(workdir, db_url, backend, stats)
    saved: dict[str, Any] = {**expected, "db_url": db_url, "load": asdict(stats)}
    if recipe.fill is not None:
        node.filled = saved["filled"] = recipe.fill(node, args)
    (workdir / MARKER).write_text(json.dumps(saved, indent=2), encoding="utf-8")
    return node


def load_progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _counter_start(rows: Sequence[tuple[str, int]], name: str) -> int:
    return next((int(v) for n, v in rows if n == name), 0) + 1


def generate_into(
    layout: Any,
    args: argparse.Namespace,
    insert: Any,
    phases: dict[str, float],
    generate: Callable[[Any], list[tuple[Any, ...]]] = synth.generate_chunk,
    description: str = "generate + insert",
) -> None:
    """Generate chunks of `layout.count` rows (in worker processes, by `generate`) and
    hand each to `insert`, with progress."""
    start = time.perf_counter()
    done = 0
    with load_progress() as progress:
        task = progress.add_task(description, total=layout.count, rate="")
        for rows in synth.iter_chunks(layout, args.chunk, args.workers, generate):
            insert(rows)
            done += len(rows)
            rate = done / max(time.perf_counter() - start, 1e-9)
            progress.update(task, advance=len(rows), rate=f"{rate:,.0f} rows/s")
    phases["generate+insert"] = time.perf_counter() - start


@contextmanager
def phase(phases: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    with console.status(f"{name}..."):
        yield
    phases[name] = time.perf_counter() - start
    console.print(f"  {name}: {phases[name]:.1f} s")


@contextmanager
def sqlite_bulk(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for a bulk load into a node that is rebuilt from scratch on any
    failure, so it needs no journal; back to the WAL the node runs with afterwards."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1048576")  # 1 GiB: keep index b-trees in memory
        conn.execute("PRAGMA temp_store = MEMORY")
        yield conn
        # Back to what the node runs with (node.db.engine sets WAL on every connect too).
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def load_sqlite(db_path: Path, count: int, args: argparse.Namespace) -> LoadStats:
    """Bulk-load `count` customers into a freshly initialised SQLite node.

    Measured at 200k rows on this machine: inserting with the FTS triggers and all
    indexes in place ran at 12k rows/s; dropping the triggers and the secondary indexes,
    inserting, then recreating them and filling customer_fts with one INSERT..SELECT ran
    at 41k rows/s with journal_mode=OFF (29k with the WAL). The node is rebuilt from
    scratch on any failure, so the load needs no journal.
    """
    phases: dict[str, float] = {}
    started = time.perf_counter()
    with sqlite_bulk(db_path) as conn:
        counters = conn.execute("SELECT name, value FROM counters").fetchall()
        if conn.execute("SELECT count(*) FROM customers").fetchone()[0]:
            raise SystemExit(f"{db_path} already holds customers")
        layout = synth.Layout(
            count=count,
            seq_start=_counter_start(counters, "seq"),
            customer_no_start=_counter_start(counters, "customer_no"),
            seed=args.seed,
        )
        ddl = synth.sqlite_lookup_ddl(conn)
        rebuild = args.sqlite_load == "rebuild"
        conn.execute("BEGIN")
        if rebuild:
            for kind, name, _ in ddl:
                conn.execute(f'DROP {kind.upper()} "{name}"')
        sql = synth.insert_sql_sqlite()
        generate_into(layout, args, lambda rows: conn.executemany(sql, rows), phases)
        if rebuild:
            with phase(phases, "create indexes"):
                for kind, _, ddl_sql in ddl:
                    if kind == "index":
                        conn.execute(ddl_sql)
            with phase(phases, "fill customer_fts"):
                conn.execute(
                    "INSERT INTO customer_fts (rowid, terms) "
                    "SELECT search_key, search_terms FROM customers"
                )
            for kind, _, ddl_sql in ddl:
                if kind == "trigger":
                    conn.execute(ddl_sql)
        set_counters(conn, "sqlite", layout_counters(layout))
        with phase(phases, "commit"):
            conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    return LoadStats(count, seconds, count / seconds, args.workers, args.sqlite_load, phases)


def layout_counters(layout: synth.Layout) -> dict[str, int]:
    """The last seq and customer number the loaded customers took."""
    return {
        "seq": layout.seq_start + layout.count - 1,
        "customer_no": layout.customer_no_start + layout.count - 1,
    }


def set_counters(conn: Any, backend: str, last: dict[str, int]) -> None:
    """Continue the node's counters after the loaded rows, as if the app had made them
    (`conn`: a sqlite3 or a psycopg connection)."""
    if backend == "sqlite":
        sql = (
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = max(counters.value, excluded.value)"
        )
    else:
        sql = (
            "INSERT INTO counters (name, value) VALUES (%s, %s) ON CONFLICT (name) "
            "DO UPDATE SET value = greatest(counters.value, excluded.value)"
        )
    for name, value in last.items():
        conn.execute(sql, (name, value))


def pg_bulk_settings(conn: Any) -> None:
    """Session settings for a bulk load (a psycopg connection)."""
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '1GB'")


def pg_secondary_indexes(conn: Any, tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of `tables` that back no constraint: the ones a
    bulk load drops first and recreates from their own definitions afterwards."""
    return [
        (name, indexdef)
        for name, indexdef in conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() "
            "AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
            "ORDER BY i.indexname",
            (list(tables),),
        )
    ]


def pg_vacuum_analyze(url: str, tables: Sequence[str], phases: dict[str, float]) -> None:
    """VACUUM ANALYZE after a load, as autovacuum would shortly."""
    import psycopg

    with psycopg.connect(psycopg_conninfo(url), autocommit=True) as conn, phase(phases, "analyze"):
        for table in tables:
            conn.execute(f"VACUUM ANALYZE {table}")  # type: ignore[arg-type]


def load_postgres(url: str, count: int, args: argparse.Namespace) -> LoadStats:
    """Bulk-load with COPY (text format, lines built here) and build indexes afterwards.

    Secondary indexes (b-trees, and the GIN over search terms in customer_search, which
    the insert trigger fills at the end of the COPY) are dropped first and recreated
    from their own definitions (pg_indexes.indexdef), which is much faster than
    maintaining a GIN index row by row. Then ANALYZE, as autovacuum would shortly.
    """
    import psycopg

    phases: dict[str, float] = {}
    started = time.perf_counter()
    with psycopg.connect(psycopg_conninfo(url)) as conn:
        counters = [(n, int(v)) for n, v in conn.execute("SELECT name, value FROM counters")]
        if conn.execute("SELECT count(*) FROM customers").fetchone()[0]:  # type: ignore[index]
            raise SystemExit(f"{url} already holds customers")
        layout = synth.Layout(
            count=count,
            seq_start=_counter_start(counters, "seq"),
            customer_no_start=_counter_start(counters, "customer_no"),
            seed=args.seed,
        )
        pg_bulk_settings(conn)
        indexes = pg_secondary_indexes(conn, ("customers", "customer_search"))
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')  # type: ignore[arg-type]
        copy_sql = f"COPY customers ({', '.join(synth.PG_COPY_COLUMNS)}) FROM STDIN"
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:  # type: ignore[arg-type]

            def insert(rows: list[tuple[Any, ...]]) -> None:
                copy.write("".join(synth.pg_copy_line(r) for r in rows))

            generate_into(layout, args, insert, phases)
        with phase(phases, "create indexes"):
            for _, indexdef in indexes:
                conn.execute(indexdef)
        set_counters(conn, "postgresql", layout_counters(layout))
        with phase(phases, "commit"):
            conn.commit()
    pg_vacuum_analyze(url, ("customers", "customer_search"), phases)
    seconds = time.perf_counter() - started
    return LoadStats(count, seconds, count / seconds, args.workers, None, phases)


def prepare_node(args: argparse.Namespace, recipe: NodeRecipe = LOOKUP) -> Node:
    backend = "postgresql" if args.postgres else "sqlite"
    size = recipe.size or str(args.customers)
    default = f"{recipe.name}-{size}" if backend == "sqlite" else f"{recipe.name}-pg-{size}"
    workdir = Path(args.workdir or Path("bench-out") / default).resolve()
    expected = {
        "customers": args.customers,
        "backend": backend,
        "seed": args.seed,
        "generator_version": GENERATOR_VERSION,
        **recipe.keys,
    }
    if backend == "postgresql":
        expected["postgres"] = args.postgres
    if not args.fresh:
        node = cached_node(workdir, expected, recipe.counts)
        if node is not None:
            console.print(f"reusing {workdir} ({args.customers:,} customers; --fresh rebuilds)")
            return node
    console.print(f"building a {backend} node with {args.customers:,} customers in {workdir}")
    return build_node(args, workdir, expected, recipe)


# ---- queries --------------------------------------------------------------------------


def draw_queries(engine: Engine, per_kind: int, seed: int) -> dict[str, list[str]]:
    """`per_kind` queries of each kind, made from randomly chosen loaded customers."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        low, high = conn.execute(text("SELECT min(seq), max(seq) FROM customers")).one()
        # seq is contiguous over the loaded rows, so random seqs are random customers.
        seqs = rng.sample(range(low, high + 1), min(per_kind, high - low + 1))
        rows = conn.execute(
            text(
                "SELECT name, phone, id_number, home_address FROM customers "
                "WHERE seq IN (" + ",".join(str(s) for s in seqs) + ")"
            )
        ).all()
    rows.sort()  # the IN list returns in index order; shuffle reproducibly instead
    rng.shuffle(rows)
    while len(rows) < per_kind:  # tiny tables: reuse customers
        rows += rows[: per_kind - len(rows)]
    queries: dict[str, list[str]] = {k.key: [] for k in KINDS}
    for name, phone, id_number, home in rows:
        two, one = synth.name_fragments(name)
        queries["phone"].append(phone)
        queries["phone_tail"].append(phone[-4:])
        queries["id_number"].append(id_number)
        queries["name2"].append(two)
        queries["name1"].append(one)
        queries["pinyin"].append(synth.pinyin_initials(name))
        queries["address"].append(synth.address_fragment(home, rng))
    for kind in KINDS:
        for q in queries[kind.key]:
            got = classify(q).kind
            if got is not kind.expect:
                raise SystemExit(f"{kind.key} query {q!r} is classified {got}, not {kind.expect}")
    return queries


# ---- query plans ----------------------------------------------------------------------


@dataclass
class Plan:
    lines: list[str]
    uses: list[str]  # indexes / FTS the plan reads through
    scan: str | None  # why it is a scan, or None


def app_statement(q: str, dialect: str, limit: int) -> Any:
    """The SELECT the API runs for GET /api/v1/customers?q=...&limit=... as an admin."""
    viewer = Viewer(
        user=User(username=USERNAME, role="admin", service_area=None),
        node_code=synth.NODE_CODE,
        ip=None,
    )
    stmt = CustomerResource().base_query(viewer)
    # Same call and the same limit + 1 as CustomerResource.lookup.
    return apply_lookup(stmt, classify(q), dialect, None).limit(limit + 1)


def _driver_sql(engine: Engine, stmt: Any) -> tuple[str, Any]:
    compiled = stmt.compile(dialect=engine.dialect)
    if compiled.positional:
        return compiled.string, tuple(compiled.params[k] for k in compiled.positiontup)
    return compiled.string, dict(compiled.params)


SQLITE_STEP = re.compile(
    r"^(SEARCH|SCAN) (\w+)(?: AS \w+)?(?: USING (?:COVERING |AUTOMATIC )?INDEX (\S+)"
    r"| USING (INTEGER PRIMARY KEY))?(?: VIRTUAL TABLE INDEX (\S+))?"
)


def explain_sqlite(engine: Engine, stmt: Any) -> Plan:
    return explain_sqlite_sql(engine, *_driver_sql(engine, stmt))


def explain_sqlite_sql(engine: Engine, sql: str, params: Any) -> Plan:
    """EXPLAIN QUERY PLAN of one driver-level statement, with the indexes it uses and
    the first full scan it makes (None when it makes none)."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
        # Name the columns of SQLite's unnamed UNIQUE-constraint indexes in the report.
        autoindexes = {
            name: ",".join(str(c[2]) for c in conn.exec_driver_sql(f'PRAGMA index_info("{name}")'))
            for name in {m for r in rows for m in re.findall(r"sqlite_autoindex_\w+", str(r[3]))}
        }
    lines = [str(r[3]) for r in rows]
    for name, cols in autoindexes.items():
        lines = [line.replace(name, f"{name}(UNIQUE:{cols})") for line in lines]
    uses: list[str] = []
    scan: str | None = None
    for line in lines:
        m = SQLITE_STEP.match(line)
        if not m:
            continue  # "USE TEMP B-TREE FOR ORDER BY" and the like
        op, table, index, ipk, vtab = m.groups()
        if vtab is not None:
            # FTS5 puts "M" in idxStr when the MATCH constraint is handed to it.
            if "M" in vtab.split(":", 1)[-1]:
                uses.append(f"FTS5 {table}")
            else:
                scan = scan or f"full scan of virtual table {table}"
        elif op == "SEARCH":
            uses.append(index or ipk or table)
        elif index:
            # Walks a whole index (typically uq_customers_seq backwards for ORDER BY
            # seq DESC), filtering each row until LIMIT: a full scan when few match.
            scan = scan or f"walks the whole index {index} of {table}, filtering"
        else:
            scan = scan or f"full table scan of {table}"
    return Plan(lines, uses, scan)


def _pg_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _pg_nodes(child)


def explain_postgres(engine: Engine, stmt: Any) -> Plan:
    return explain_postgres_sql(engine, *_driver_sql(engine, stmt))


def explain_postgres_sql(engine: Engine, sql: str, params: Any) -> Plan:
    """EXPLAIN of one driver-level statement, with the indexes it uses and the first
    sequential scan or whole-index walk it makes (None when it makes none)."""
    with engine.connect() as conn:
        lines = [r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, params)]
        doc = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, params).scalar_one()
    if isinstance(doc, str):
        doc = json.loads(doc)
    uses: list[str] = []
    scan: str | None = None
    for node in _pg_nodes(doc[0]["Plan"]):
        kind, rel, index = node["Node Type"], node.get("Relation Name"), node.get("Index Name")
        if kind == "Seq Scan":
            scan = scan or f"sequential scan of {rel}"
        elif kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node:
            scan = scan or f"walks the whole index {index} of {rel}, filtering"
        elif index:
            uses.append(index)
    return Plan(lines, uses, scan)


def explain_all(
    engine: Engine, backend: str, queries: dict[str, list[str]], limit: int
) -> dict[str, Plan]:
    explain = explain_sqlite if backend == "sqlite" else explain_postgres
    dialect = engine.dialect.name
    return {k.key: explain(engine, app_statement(queries[k.key][0], dialect, limit)) for k in KINDS}


def planner_statistics(engine: Engine, backend: str) -> str:
    """Whether the planner has table statistics: plans without them can differ."""
    with engine.connect() as conn:
        if backend == "sqlite":
            has = conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar_one()
            return (
                "sqlite_stat1 present (ANALYZE has run)"
                if has
                else "no sqlite_stat1: fedcrm never runs ANALYZE on SQLite, nor does this script"
            )
        row = conn.execute(
            text(
                "SELECT greatest(last_analyze, last_autoanalyze) FROM pg_stat_user_tables "
                "WHERE relname = 'customers'"
            )
        ).first()
        when = row[0] if row else None
        return f"customers last analyzed {when}" if when else "customers never analyzed"


# ---- the server and the timed loop ------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(node: Node, timeout: float) -> Iterator[str]:
    """`fedcrm serve DIR` on a free loopback port; yields its base URL once /readyz is ok.

    The port and host come from the environment (FEDCRM_SERVER__*, which wins over
    node.toml), so the cached node directory is never rewritten.
    """
    port = free_port()
    env = node_env(FEDCRM_SERVER__HOST="127.0.0.1", FEDCRM_SERVER__PORT=str(port))
    log_path = node.data_dir / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*fedcrm_command(), "serve", str(node.data_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        try:
            wait_ready(proc, base, timeout, log_path)
            yield base
        finally:
            stop(proc)


def wait_ready(proc: subprocess.Popen[bytes], base: str, timeout: float, log: Path) -> None:
    """The product's readiness wait (node.provisioning.serving); a benchmark exits on failure."""
    try:
        wait_until_ready(proc, base, log, timeout)
    except ProvisioningError as exc:
        raise SystemExit(f"server {exc}") from exc


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server we started; kill it if it does not exit in time."""
    stop_serving(proc, grace=15)


@dataclass
class Timings:
    samples_ms: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        s = sorted(self.samples_ms)
        return {
            "p50_ms": statistics.median(s),
            "p99_ms": statistics.quantiles(s, n=100, method="inclusive")[98],
            "max_ms": s[-1],
            "mean_ms": statistics.fmean(s),
        }


def login(client: httpx.Client) -> str:
    resp = client.post("/api/v1/auth/login", json={"username": USERNAME, "password": PASSWORD})
    resp.raise_for_status()
    return str(resp.json()["access_token"])


# Baselines timed in the same loop. /healthz is the HTTP floor the ratios refer to;
# /api/v1/auth/me adds what every API call pays before any look-up (token check in the
# database, session, user row), so the rest of a look-up's time is the look-up itself.
BASELINES: tuple[tuple[str, str, str], ...] = (
    ("floor", "HTTP floor", "/healthz"),
    ("auth_floor", "auth floor", "/api/v1/auth/me"),
)


def measure(
    base: str, queries: dict[str, list[str]], warmup: int, limit: int
) -> tuple[dict[str, Timings], dict[str, Timings]]:
    """Time every query once, round-robin over the kinds, each round starting at the floor.

    Sequential on one keep-alive connection: this is the latency one agent sees, not
    throughput. Only the request/response is timed; JSON decoding comes afterwards.
    """
    floors = {key: Timings() for key, _, _ in BASELINES}
    kinds = {k.key: Timings() for k in KINDS}
    rounds = len(queries[KINDS[0].key])
    with httpx.Client(base_url=base, timeout=60.0, trust_env=False) as client:
        client.headers["Authorization"] = f"Bearer {login(client)}"
        with load_progress() as progress:
            task = progress.add_task("timing queries", total=rounds, rate="")
            for r in range(rounds):
                for key, _, path in BASELINES:
                    t0 = time.perf_counter_ns()
                    resp = client.get(path)
                    elapsed = (time.perf_counter_ns() - t0) / 1e6
                    resp.raise_for_status()
                    if r >= warmup:
                        floors[key].samples_ms.append(elapsed)
                for kind in KINDS:
                    q = queries[kind.key][r]
                    t0 = time.perf_counter_ns()
                    resp = client.get("/api/v1/customers", params={"q": q, "limit": limit})
                    elapsed = (time.perf_counter_ns() - t0) / 1e6
                    if resp.status_code != 200:
                        raise SystemExit(f"{kind.key} {q!r}: HTTP {resp.status_code} {resp.text}")
                    if r < warmup:
                        continue
                    n = len(resp.json()["data"])
                    t = kinds[kind.key]
                    t.samples_ms.append(elapsed)
                    t.rows.append(n)
                    if n == 0:
                        t.misses.append(q)
                progress.update(task, advance=1)
    return floors, kinds


# ---- report ---------------------------------------------------------------------------


def report(
    node: Node,
    args: argparse.Namespace,
    queries: dict[str, list[str]],
    plans: dict[str, Plan],
    floors: dict[str, Timings],
    kinds: dict[str, Timings],
    planner: str,
) -> dict[str, Any]:
    floor = floors["floor"]
    fs = floor.summary()
    baselines = {key: floors[key].summary() for key, _, _ in BASELINES}
    table = Table(
        title=f"customer look-up through the HTTP API: {node.backend}, "
        f"{args.customers:,} customers, {len(floor.samples_ms)} sequential queries per kind, "
        f"limit={args.limit}",
    )
    for col in ("kind", "example", "plan", "p50 ms", "p99 ms", "max ms", "p99/floor", "rows"):
        table.add_column(
            col, justify="right" if "ms" in col or col in ("rows", "p99/floor") else "left"
        )
    for key, label, path in BASELINES:
        b = baselines[key]
        table.add_row(
            label, f"GET {path}", "-", f"{b['p50_ms']:.2f}", f"{b['p99_ms']:.2f}",
            f"{b['max_ms']:.2f}", f"{b['p99_ms'] / fs['p99_ms']:.1f}", "-",
        )  # fmt: skip
    result_kinds: dict[str, Any] = {}
    for kind in KINDS:
        t, plan = kinds[kind.key], plans[kind.key]
        s = t.summary()
        ratio = s["p99_ms"] / fs["p99_ms"]
        over = s["p99_ms"] >= TARGET_P99_MS
        plan_text = f"[bold red]SCAN: {plan.scan}[/]" if plan.scan else ", ".join(plan.uses)
        p99 = f"{s['p99_ms']:.2f}"
        table.add_row(
            kind.label,
            queries[kind.key][0],
            plan_text,
            f"{s['p50_ms']:.2f}",
            f"[bold red]{p99}[/]" if over else p99,
            f"{s['max_ms']:.2f}",
            f"[yellow]{ratio:.1f}[/]" if ratio > RATIO_WARN else f"{ratio:.1f}",
            f"{statistics.fmean(t.rows):.1f}"
            + (f" [red]{len(t.misses)} miss[/]" if t.misses else ""),
        )
        result_kinds[kind.key] = {
            **{k: round(v, 3) for k, v in s.items()},
            "p99_over_floor": round(ratio, 2),
            "p50_over_floor": round(s["p50_ms"] / fs["p50_ms"], 2),
            "mean_rows": round(statistics.fmean(t.rows), 2),
            "misses": len(t.misses),
            "plan_uses": plan.uses,
            "full_scan": plan.scan,
            "example": queries[kind.key][0],
        }
    console.print(table)

    console.print("\n[bold]query plans[/] (one query per kind, SQL compiled from apply_lookup):")
    console.print(f"planner statistics: {planner}")
    for kind in KINDS:
        plan = plans[kind.key]
        head = f"[bold]{kind.label}[/] q={queries[kind.key][0]!r}"
        console.print(head + (f"  [bold red]<- {plan.scan}[/]" if plan.scan else ""))
        for line in plan.lines:
            console.print(f"    {line}", markup=False)

    scans = {k: r["full_scan"] for k, r in result_kinds.items() if r["full_scan"]}
    over = [k for k, r in result_kinds.items() if r["p99_ms"] >= TARGET_P99_MS]
    missed = {k: r["misses"] for k, r in result_kinds.items() if r["misses"]}
    if scans:
        body = "\n".join(f"{k}: {why}" for k, why in scans.items())
        console.print(Panel(body, title="[bold red]FULL SCANS: these kinds do not use an index",
                            border_style="red"))  # fmt: skip
    if missed:
        console.print(f"[bold red]queries that found nothing (they should all hit): {missed}[/]")
    print_verdict(f"target p99 < {TARGET_P99_MS:.0f} ms", over, fs)
    load = asdict(node.load) if node.load else None
    return {
        "benchmark": "lookup",
        "backend": node.backend,
        "customers": args.customers,
        "queries_per_kind": len(floor.samples_ms),
        "warmup": args.warmup,
        "limit": args.limit,
        "workdir": str(node.data_dir),
        "load": {"cached": load is None, **(load or {})},
        **{key: {k: round(v, 3) for k, v in b.items()} for key, b in baselines.items()},
        "kinds": result_kinds,
        "target_p99_ms": TARGET_P99_MS,
        "over_target": over,
        "full_scans": sorted(scans),
        "planner_statistics": planner,
        "pass": not over and not missed,
    }


def add_node_options(p: argparse.ArgumentParser, name: str = "lookup", size: str = "N") -> None:
    """The options that say which node to build or reuse and how to load it (shared with
    the benchmarks that build on this one's node)."""
    p.add_argument("--customers", type=int, default=1_000_000, help="customers to load")
    p.add_argument("--postgres", metavar="URL", help="SQLAlchemy URL of a PostgreSQL database "
                   "to DROP and recreate (default: SQLite in the workdir)")  # fmt: skip
    p.add_argument("--workdir", type=Path, help=f"node dir; default bench-out/{name}[-pg]-{size}")
    p.add_argument("--fresh", action="store_true", help="rebuild even if the workdir is valid")
    p.add_argument("--seed", type=int, default=20260101, help="data and query seed")
    p.add_argument("--chunk", type=int, default=50_000, help="rows per generated chunk")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="generator processes (1: generate in the loading process)")  # fmt: skip
    p.add_argument("--sqlite-load", choices=("rebuild", "triggers"), default="rebuild",
                   help="rebuild: drop triggers+indexes, load, recreate (faster); "
                   "triggers: insert with everything in place")  # fmt: skip
    p.add_argument("--ready-timeout", type=float, default=120.0, help="seconds to wait for /readyz")


def print_verdict(target: str, failing: list[str], floor: dict[str, float]) -> None:
    """The last line of the table's report: PASS, or FAIL naming what failed."""
    verdict = "[bold green]PASS[/]" if not failing else f"[bold red]FAIL ({', '.join(failing)})[/]"
    console.print(
        f"{target}: {verdict}  (HTTP floor p50 {floor['p50_ms']:.2f} ms, "
        f"p99 {floor['p99_ms']:.2f} ms)"
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    add_node_options(p)
    p.add_argument("--queries", type=int, default=200, help="timed queries per kind")
    p.add_argument("--warmup", type=int, default=20, help="untimed queries per kind first")
    p.add_argument("--limit", type=int, default=20, help="the API's limit parameter")
    args = p.parse_args(argv)
    if args.customers < 1 or args.queries < 2:
        p.error("--customers must be >= 1 and --queries >= 2")
    return args


def terminate_on_sigterm() -> None:
    # SIGTERM would otherwise end us without running `finally`, orphaning the server.
    def handler(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    terminate_on_sigterm()
    node = prepare_node(args)
    engine = make_engine(node.db_url)
    try:
        queries = draw_queries(engine, args.warmup + args.queries, args.seed)
        plans = explain_all(engine, node.backend, queries, args.limit)
        planner = planner_statistics(engine, node.backend)
    finally:
        engine.dispose()
    with running_server(node, args.ready_timeout) as base:
        floors, kinds = measure(base, queries, args.warmup, args.limit)
    result = report(node, args, queries, plans, floors, kinds, planner)
    # Last line, plain print: machine-readable regardless of the terminal's width.
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
