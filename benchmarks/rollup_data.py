"""The province node the rollup benchmark reads: N customers, 3N subscriptions, a year of
churn events (about 16% of customers) and tickets (about 2 per customer), from 14 cities
and the province itself.

Made with `fedcrm init` and then filled by INSERT .. SELECT statements inside SQLite (a
recursive counter for customers, joins for the rest): a million customers and six
million rows in about a minute, where Python row by row would take many. Random values
are drawn once per row in MATERIALIZED CTEs (SQLite may otherwise inline a column and
draw again where it is used). Every row gets origin_version 1 and its own seq, the seq
counter is set past them, and the customers' FTS triggers stand aside while loading
(migration 0003), as a bulk apply of replicated rows leaves a node. The look-up index is
left empty: rollups never use it.

The node is cached in the work directory (`bench.json` records what was built); a run
with the same parameters reuses it, --fresh rebuilds it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

NODE_CODE = "430000"
CITIES = (
    "430100", "430200", "430300", "430400", "430500", "430600", "430700",
    "430800", "430900", "431000", "431100", "431200", "431300", "433100",
)  # fmt: skip
ORIGINS = (*CITIES, NODE_CODE)
MANAGERS_PER_ORIGIN = 40
MARKER = "bench.json"
OWNED = ".fedcrm-bench"  # written first: the directory is ours to delete
VERSION = 1  # bump when the generated data changes: cached nodes are rebuilt
FEES = ("19.00", "39.00", "59.00", "99.00", "129.00", "199.00", "50.00", "99.00",
        "15.00", "10.00", "18.00", "1288.00")  # fmt: skip
REASONS = ("price", "network_quality", "service", "relocation", "competitor_offer", "other")
COMPETITORS = ("china_mobile", "china_unicom", "china_broadnet", "other", None)
KINDS = ("repair", "repair", "repair", "repair", "install", "relocation", "complaint",
         "inquiry", "billing", "repair")  # fmt: skip
DAY = 86_400
YEAR = 365 * DAY


def _pick(options: Sequence[object], number: str) -> str:
    """SQL choosing one of `options` by the integer expression `number` (>= 0)."""

    def literal(o: object) -> str:
        return "NULL" if o is None else str(o) if not isinstance(o, str) else f"'{o}'"

    arms = " ".join(f"WHEN {i} THEN {literal(o)}" for i, o in enumerate(options))
    return f"(CASE ({number}) % {len(options)} {arms} END)"


def _ts(seconds: str) -> str:
    """SQLite storage text of a UTC time given in Unix seconds, random microseconds."""
    return f"(datetime({seconds}, 'unixepoch') || '.' || printf('%06d', abs(random()) % 1000000))"


def statements(n: int, now: int, first_seq: int) -> list[tuple[str, str]]:
    """(table, SQL) in load order; `now` in Unix seconds; seqs from `first_seq` on."""
    b = first_seq - 1
    manager = "printf('%08x', 16777216 + (n % 15) * 100 + r4 % 40) || 'feedbeefcafe000000000000'"
    return [
        (
            "customers",
            f"""
            WITH RECURSIVE counter(n) AS (
                SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < {n}),
            base AS MATERIALIZED (
                SELECT n, {_pick(ORIGINS, "n")} AS origin,
                       abs(random()) % 100 < 3 AS is_key,
                       {now} - abs(random()) % (10 * {YEAR}) AS joined,
                       abs(random()) AS r1, abs(random()) AS r2, abs(random()) AS r3,
                       abs(random()) AS r4
                FROM counter)
            INSERT INTO customers (id, origin, seq, origin_version, created_at, updated_at,
                deleted_at, customer_no, name, type, grade, status, is_key_account,
                account_manager_id, joined_at, search_terms, search_key)
            SELECT lower(hex(randomblob(16))), origin, {b} + n, 1, {_ts("joined")}, {_ts("joined")},
                CASE WHEN r1 % 200 = 0 THEN {_ts(str(now))} END,
                origin || '-' || printf('%09d', n), '客户' || n,
                CASE WHEN is_key OR r2 % 10 = 0 THEN 'enterprise' ELSE 'individual' END,
                CASE WHEN is_key THEN 'diamond'
                     ELSE {_pick(("gold", "silver", "standard", "standard", None), "r3")} END,
                'active', is_key,
                CASE WHEN is_key OR r3 % 5 = 0 THEN {manager} END,
                {_ts("joined")}, '', {b} + n
            FROM base
            """,
        ),
        (
            "subscriptions",
            f"""
            WITH s AS MATERIALIZED (
                SELECT c.id, c.origin, c.seq, k.k, unixepoch(substr(c.joined_at, 1, 19)) AS j,
                       abs(random()) AS r1, abs(random()) AS r2, abs(random()) AS r3,
                       abs(random()) AS r4
                FROM customers c
                CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k),
            t AS MATERIALIZED (
                SELECT *, j + r1 % max({now} - j, 1) AS started FROM s)
            INSERT INTO subscriptions (id, origin, seq, origin_version, created_at, updated_at,
                customer_id, product_id, monthly_fee, started_at, ended_at, status)
            SELECT lower(hex(randomblob(16))), origin, {b + n} + (seq - {b} - 1) * 3 + k + 1, 1,
                {_ts("started")}, {_ts("started")}, id, lower(hex(randomblob(16))),
                {_pick(FEES, "r2")}, {_ts("started")},
                CASE WHEN r3 % 5 = 0 THEN {_ts(f"started + r4 % max({now} - started, 1)")} END,
                CASE WHEN r3 % 5 = 0 THEN 'ended' ELSE 'active' END
            FROM t
            """,
        ),
        (
            "churn_events",
            f"""
            WITH s AS MATERIALIZED (
                SELECT c.id, c.origin, c.seq, unixepoch(substr(c.joined_at, 1, 19)) AS j,
                       abs(random()) AS r1, abs(random()) AS r2, abs(random()) AS r3,
                       abs(random()) AS r4
                FROM customers c WHERE abs(random()) % 1000 < 160)
            INSERT INTO churn_events (id, origin, seq, origin_version, created_at, updated_at,
                customer_id, churned_at, reason, competitor, lost_monthly_revenue)
            SELECT lower(hex(randomblob(16))), origin, {b + 4 * n} + seq - {b}, 1,
                {_ts(str(now))}, {_ts(str(now))}, id,
                {_ts(f"{now} - r1 % min({YEAR}, max({now} - j, 1))")},
                {_pick(REASONS, "r2")}, {_pick(COMPETITORS, "r3")}, {_pick(FEES, "r4")}
            FROM s
            """,
        ),
        (
            "tickets",
            f"""
            WITH s AS MATERIALIZED (
                SELECT c.id, c.origin, c.seq, k.k, unixepoch(substr(c.joined_at, 1, 19)) AS j,
                       abs(random()) AS r1, abs(random()) AS r2, abs(random()) AS r3,
                       abs(random()) AS r4, abs(random()) AS r5
                FROM customers c
                CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) k),
            t AS MATERIALIZED (
                SELECT *, {now} - r1 % min({YEAR}, max({now} - j, 1)) AS opened FROM s)
            INSERT INTO tickets (id, origin, seq, origin_version, created_at, updated_at,
                ticket_no, customer_id, kind, severity, status, due_at, resolved_at,
                satisfaction)
            SELECT lower(hex(randomblob(16))), origin, {b + 5 * n} + (seq - {b} - 1) * 2 + k + 1, 1,
                {_ts("opened")}, {_ts("opened")},
                origin || '-W' || printf('%010d', (seq - {b} - 1) * 2 + k), id,
                {_pick(KINDS, "r2")},
                CASE WHEN r3 % 10 < 3 THEN 'major' ELSE 'general' END,
                CASE WHEN r4 % 10 = 0 THEN 'open' ELSE 'resolved' END,
                {_ts("opened + 48 * 3600")},
                CASE WHEN r4 % 10 <> 0 THEN {_ts("opened + 600 + r5 % (120 * 3600)")} END,
                CASE WHEN r4 % 10 <> 0 AND r5 % 10 < 6 THEN 1 + r3 % 5 END
            FROM t
            """,
        ),
    ]


def build(
    node_dir: Path,
    customers: int,
    fedcrm: Sequence[str],
    env: dict[str, str],
    say: Callable[[str], None] = print,
) -> dict:
    """Create (or reuse) the benchmark node in `node_dir`; returns its bench.json."""
    wanted = {"version": VERSION, "customers": customers}
    marker = node_dir / MARKER
    if marker.exists():
        built = json.loads(marker.read_text(encoding="utf-8"))
        if {k: built.get(k) for k in wanted} == wanted:
            say(f"reusing {node_dir} (built {built['built_at']})")
            return built
    if node_dir.exists():
        if not (node_dir / OWNED).exists():
            raise SystemExit(f"{node_dir} exists and was not made by this benchmark; not deleting")
        shutil.rmtree(node_dir)
    node_dir.mkdir(parents=True)
    (node_dir / OWNED).write_text("", encoding="utf-8")
    subprocess.run(
        [
            *fedcrm,
            "init",
            str(node_dir),
            "--level",
            "province",
            "--code",
            NODE_CODE,
            "--name",
            "湖南省",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    now = int(time.time())
    conn = sqlite3.connect(node_dir / "node.db", isolation_level=None)
    rows: dict[str, int] = {}
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("BEGIN IMMEDIATE")
        first = conn.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0] + 1
        conn.execute("INSERT INTO customer_fts_suspended (flag) VALUES (1)")
        for table, sql in statements(customers, now, first):
            t0 = time.perf_counter()
            conn.execute(sql)
            rows[table] = conn.execute("SELECT changes()").fetchone()[0]
            say(f"  {table}: {rows[table]:,} rows in {time.perf_counter() - t0:.1f} s")
        conn.execute("DELETE FROM customer_fts_suspended")
        last = first - 1 + 7 * customers  # customers, 3 subscriptions, churn, 2 tickets
        conn.execute("UPDATE counters SET value = ? WHERE name = 'seq'", (last,))
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    built = {**wanted, "rows": rows, "built_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    marker.write_text(json.dumps(built, indent=2), encoding="utf-8")
    return built
