"""The city node the replication benchmark ships upward: build it once, copy it per run.

Used by benchmarks/replication.py. The city 430100 gets N synthetic customers from the
look-up benchmark's fast loader (benchmarks/synthetic_customers.py through lookup.py's
`load_sqlite` / `load_postgres`), a handful of products and K subscriptions per
customer, all with origin '430100', origin_version 1 and their own increasing seq, and
the node's `seq` counter set past the highest one, exactly as if the node had written
them. That "template" city is cached in the work directory (or in a PostgreSQL database
of its own); every run works on a fresh copy, so a run's sync, checkpoints and lag-test
writes never leak into the next run.

Subscriptions are made by one INSERT .. SELECT over customers (seconds, not minutes):
ids are time-ordered like the app's UUIDv7 (the customer's creation millisecond first),
so the receiving b-trees are appended to as they would be for real data.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine

# Run as a script's helper: the sibling modules (lookup, synthetic_customers) import as such.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `rollup` is the package

import lookup
import synthetic_customers as synth

from federation.sending.capture import read_changes
from node.db.engine import make_engine

CITY = synth.NODE_CODE  # 430100
# Bump when the generated city changes: cached templates are then rebuilt.
TEMPLATE_VERSION = 1
MARKER = "bench.json"  # written only after a complete build
OWNED = ".fedcrm-bench"  # written first: the directory is ours to delete
ADMIN_PASSWORD = "bench-replication-password"  # throw-away benchmark nodes only

# (code, name, type, monthly price): what the subscriptions point at.
PRODUCTS: tuple[tuple[str, str, str, str], ...] = (
    ("MOB-39", "畅享39元套餐", "mobile", "39.00"),
    ("MOB-59", "畅享59元套餐", "mobile", "59.00"),
    ("MOB-129", "畅享129元套餐", "mobile", "129.00"),
    ("BB-100M", "100M宽带", "broadband", "50.00"),
    ("BB-1000M", "千兆宽带", "broadband", "99.00"),
    ("IPTV", "天翼高清", "iptv", "15.00"),
    ("CLOUD-1", "天翼云盘", "cloud", "10.00"),
    ("FIX", "固定电话", "fixed_line", "18.00"),
)


@dataclass
class CityStats:
    """How the template city was built (phases in seconds)."""

    customers: int
    subscriptions: int
    products: int
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)


@dataclass
class Template:
    """The cached city: its node directory and database URL."""

    data_dir: Path
    db_url: str
    stats: CityStats | None  # None when reused from a previous run


def prepare_dir(path: Path) -> None:
    """Empty `path` for a new node; refuse to delete a directory we did not create.

    Only a directory holding OWNED (written before `fedcrm init`) is deleted, so a
    mistyped --workdir pointing at a real node does not wipe it.
    """
    if path.exists():
        if not (path / OWNED).exists() and any(path.iterdir()):
            raise SystemExit(f"{path} is not empty and was not made by this benchmark")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / OWNED).write_text("created by benchmarks/replication.py; safe to delete\n")


def template_params(args: argparse.Namespace) -> dict[str, Any]:
    """What a cached template must match to be reused."""
    return {
        "customers": args.customers,
        "subscriptions_per_customer": args.subscriptions_per_customer,
        "backend": "postgresql" if args.postgres else "sqlite",
        "postgres": args.postgres,
        "seed": args.seed,
        "template_version": TEMPLATE_VERSION,
        "generator_version": lookup.GENERATOR_VERSION,
    }


def pg_url(prefix: str, suffix: str) -> str:
    """The database of one node: the --postgres URL's database name plus `_suffix`."""
    from sqlalchemy.engine import make_url

    url = make_url(prefix)
    if not url.database:
        raise SystemExit(f"--postgres URL needs a database name to use as prefix: {prefix}")
    return url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)


def count_rows(url: str, table: str, origin: str = CITY) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.exec_driver_sql(
                    f"SELECT count(*) FROM {table} WHERE origin = '{origin}'"
                ).scalar_one()
            )
    finally:
        engine.dispose()


def cached_template(path: Path, params: dict[str, Any]) -> Template | None:
    """The template city in `path` if a previous run completed it with the same params."""
    marker = path / MARKER
    if not marker.is_file():
        return None
    try:
        saved = json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return None
    if {k: saved.get(k) for k in params} != params:
        return None
    try:
        customers = count_rows(saved["db_url"], "customers")
        subscriptions = count_rows(saved["db_url"], "subscriptions")
    except Exception:  # a vanished file or database: rebuild
        return None
    want_subs = params["customers"] * params["subscriptions_per_customer"]
    if customers != params["customers"] or subscriptions != want_subs:
        return None
    return Template(path, saved["db_url"], None)


def build_template(args: argparse.Namespace, path: Path) -> Template:
    """Create the city with the real CLI, then bulk-load customers and subscriptions."""
    params = template_params(args)
    prepare_dir(path)
    db_url = f"sqlite:///{(path / 'node.db').resolve()}"
    if args.postgres:
        db_url = pg_url(args.postgres, "city_template")
        lookup.recreate_postgres_database(db_url)
    init = ["init", str(path), "--level", "city", "--code", CITY, "--name", "长沙市"]
    lookup.run_cli([*init, *(["--db", db_url] if args.postgres else [])])
    user = ["user", "add", str(path), "--username", "admin", "--role", "admin"]
    lookup.run_cli([*user, "--password-stdin"], stdin=ADMIN_PASSWORD + "\n")
    # lookup's loaders read these settings from their own argparse namespace.
    load_args = argparse.Namespace(
        seed=args.seed, chunk=args.chunk, workers=args.workers, sqlite_load="rebuild"
    )
    started = time.perf_counter()
    if args.postgres:
        load = lookup.load_postgres(db_url, args.customers, load_args)
        phases = {f"customers: {k}": v for k, v in load.phases.items()}
        phases |= add_subscriptions_postgres(db_url, args.subscriptions_per_customer)
    else:
        load = lookup.load_sqlite(path / "node.db", args.customers, load_args)
        phases = {f"customers: {k}": v for k, v in load.phases.items()}
        phases |= add_subscriptions_sqlite(path / "node.db", args.subscriptions_per_customer)
    stats = CityStats(
        customers=args.customers,
        subscriptions=args.customers * args.subscriptions_per_customer,
        products=len(PRODUCTS),
        seconds=time.perf_counter() - started,
        phases=phases,
    )
    (path / MARKER).write_text(
        json.dumps({**params, "db_url": db_url, "build": asdict(stats)}, indent=2),
        encoding="utf-8",
    )
    return Template(path, db_url, stats)


def prepare_template(args: argparse.Namespace, workdir: Path) -> Template:
    path = workdir / "city-template"
    if not args.fresh:
        cached = cached_template(path, template_params(args))
        if cached is not None:
            lookup.console.print(f"reusing the city in {path} (--fresh rebuilds it)")
            return cached
    lookup.console.print(
        f"building city {CITY}: {args.customers:,} customers, "
        f"{args.customers * args.subscriptions_per_customer:,} subscriptions in {path}"
    )
    return build_template(args, path)


# ---- products and subscriptions ----------------------------------------------------


def _product_rows(seq_start: int) -> list[tuple[Any, ...]]:
    """Product rows (id hex, seq, code, name, type, price) with time-ordered ids."""
    from uuid6 import uuid7

    return [
        (uuid7().hex, seq_start + i, code, name, type_, Decimal(price))
        for i, (code, name, type_, price) in enumerate(PRODUCTS)
    ]


def _subscription_select_sqlite(k: int) -> str:
    """SELECT producing K subscriptions per customer (bound: seq base, product count)."""
    ks = " UNION ALL ".join(f"SELECT {i} AS k" for i in range(k))
    ms = "CAST((julianday(c.created_at) - 2440587.5) * 86400000.0 AS INTEGER)"
    return f"""
        SELECT printf('%012x', {ms}) || '7' || printf('%03x', ks.k) || '8'
                 || substr(lower(hex(randomblob(8))), 2),
               '{CITY}',
               :base + row_number() OVER (ORDER BY c.seq, ks.k),
               1, c.created_at, c.created_at, NULL,
               c.id, bp.id,
               CASE WHEN ks.k = 0 THEN c.phone
                    ELSE '0731' || printf('%010d', c.seq * 10 + ks.k) END,
               bp.price, c.joined_at, NULL, 'active', NULL
        FROM customers c
        CROSS JOIN ({ks}) ks
        JOIN bench_products bp ON bp.idx = (c.seq * 31 + ks.k * 17) % :nproducts
        WHERE c.origin = '{CITY}'
    """


SUB_COLUMNS = (
    "id, origin, seq, origin_version, created_at, updated_at, deleted_at, customer_id, "
    "product_id, service_number, monthly_fee, started_at, ended_at, status, termination_reason"
)
PRODUCT_COLUMNS = (
    "id, origin, seq, origin_version, created_at, updated_at, code, name, type, monthly_price"
)


def add_subscriptions_sqlite(db_path: Path, per_customer: int) -> dict[str, float]:
    """Products, then `per_customer` subscriptions per customer, in one transaction.

    Secondary indexes are dropped and rebuilt around the insert (as lookup.py does for
    customers) and the journal is off: the template is rebuilt from scratch on failure.
    """
    phases: dict[str, float] = {}
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1048576")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("BEGIN")
        seq = int(conn.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0])
        now = synth.naive_text(synth.CREATED_FROM)
        products = _product_rows(seq + 1)
        conn.executemany(
            f"INSERT INTO products ({PRODUCT_COLUMNS}) "
            f"VALUES (?, '{CITY}', ?, 1, ?, ?, ?, ?, ?, ?)",
            [(i, s, now, now, c, n, t, float(p)) for i, s, c, n, t, p in products],
        )
        seq += len(products)
        conn.execute("CREATE TEMP TABLE bench_products (idx INTEGER PRIMARY KEY, id, price)")
        conn.executemany(
            "INSERT INTO bench_products VALUES (?, ?, ?)",
            [(i, row[0], float(row[5])) for i, row in enumerate(products)],
        )
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'subscriptions' "
            "AND type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        conn.execute(
            f"INSERT INTO subscriptions ({SUB_COLUMNS}) "
            + _subscription_select_sqlite(per_customer),
            {"base": seq, "nproducts": len(products)},
        )
        phases["subscriptions: insert"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, sql in indexes:
            conn.execute(sql)
        phases["subscriptions: create indexes"] = time.perf_counter() - started
        last = conn.execute("SELECT max(seq) FROM subscriptions").fetchone()[0] or seq
        conn.execute("UPDATE counters SET value = max(value, ?) WHERE name = 'seq'", (last,))
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")  # what the node runs with
    finally:
        conn.close()
    return phases


def add_subscriptions_postgres(url: str, per_customer: int) -> dict[str, float]:
    """The PostgreSQL twin of add_subscriptions_sqlite (indexes rebuilt from pg_indexes)."""
    import psycopg

    phases: dict[str, float] = {}
    ms = "(extract(epoch FROM c.created_at) * 1000)::bigint"
    select = f"""
        SELECT (lpad(to_hex({ms}), 12, '0') || '7' || lpad(to_hex(ks.k), 3, '0') || '8'
                 || substr(md5(random()::text || c.id::text), 1, 15))::uuid,
               '{CITY}',
               %(base)s + row_number() OVER (ORDER BY c.seq, ks.k),
               1, c.created_at, c.created_at, NULL,
               c.id, bp.id,
               CASE WHEN ks.k = 0 THEN c.phone
                    ELSE '0731' || lpad((c.seq * 10 + ks.k)::text, 10, '0') END,
               bp.price, c.joined_at, NULL, 'active', NULL
        FROM customers c
        CROSS JOIN generate_series(0, %(k)s - 1) AS ks(k)
        JOIN bench_products bp ON bp.idx = (c.seq * 31 + ks.k * 17) %% %(nproducts)s
        WHERE c.origin = '{CITY}'
    """
    with psycopg.connect(lookup.psycopg_conninfo(url)) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '1GB'")
        seq = int(conn.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0])  # type: ignore[index]
        products = _product_rows(seq + 1)
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO products ({PRODUCT_COLUMNS}) VALUES "
                f"(%s, '{CITY}', %s, 1, %s, %s, %s, %s, %s, %s)",
                [
                    (i, s, synth.CREATED_FROM, synth.CREATED_FROM, c, n, t, p)
                    for i, s, c, n, t, p in products
                ],
            )
        seq += len(products)
        conn.execute(
            "CREATE TEMP TABLE bench_products (idx int PRIMARY KEY, id uuid, price numeric)"
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench_products VALUES (%s, %s, %s)",
                [(i, row[0], row[5]) for i, row in enumerate(products)],
            )
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = 'subscriptions' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')  # type: ignore[arg-type]
        started = time.perf_counter()
        conn.execute(
            f"INSERT INTO subscriptions ({SUB_COLUMNS}) {select}",  # type: ignore[arg-type]
            {"base": seq, "k": per_customer, "nproducts": len(products)},
        )
        phases["subscriptions: insert"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, indexdef in indexes:
            conn.execute(indexdef)
        phases["subscriptions: create indexes"] = time.perf_counter() - started
        conn.execute(
            "UPDATE counters SET value = greatest(value, "
            "(SELECT coalesce(max(seq), 0) FROM subscriptions)) WHERE name = 'seq'"
        )
        conn.commit()
    with psycopg.connect(lookup.psycopg_conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE subscriptions")
        conn.execute("VACUUM ANALYZE products")
    return phases


# ---- copying the template into a run ----------------------------------------------


def copy_database(template: Template, target_url: str) -> None:
    """Replace the (freshly initialised) database at `target_url` by the template's.

    SQLite: a file copy (the template is closed and checkpointed, so node.db is whole).
    PostgreSQL: DROP + CREATE DATABASE .. TEMPLATE, a file-level copy inside the server.
    """
    from sqlalchemy.engine import make_url

    target = make_url(target_url)
    if target.get_backend_name() == "sqlite":
        dest = Path(target.database or "")
        for suffix in ("-wal", "-shm"):
            Path(f"{dest}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(Path(make_url(template.db_url).database or ""), dest)
        return
    import psycopg

    name, source = target.database, make_url(template.db_url).database
    with psycopg.connect(lookup.psycopg_conninfo(target_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')  # type: ignore[arg-type]


# ---- the rows as Arrow (for the bulk-load baseline) --------------------------------


def read_wire_tables(
    url: str, tables: tuple[str, ...], chunk: int = 100_000
) -> dict[str, pa.Table]:
    """Every row of `tables` as the wire-schema Arrow table the city would send.

    Read with the product's own capture (federation.sending.capture.read_changes), so
    the bulk-load baseline starts from exactly the Arrow data a parent receives.
    """
    engine: Engine = make_engine(url)
    out: dict[str, pa.Table] = {}
    try:
        with engine.connect() as conn:
            for table in tables:
                parts, after = [], 0
                while (changes := read_changes(conn, table, after, chunk)) is not None:
                    parts.append(changes.rows)
                    after = changes.seq_end
                out[table] = pa.concat_tables(parts).combine_chunks()
    finally:
        engine.dispose()
    return out
