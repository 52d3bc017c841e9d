"""Rollup speed at N customers (issue target: within 1.5x of DuckDB on the same Arrow data).

What it does, in order:

1. Builds (or reuses, see --workdir/--fresh) a SQLite province node with N customers, 3N
   subscriptions and a year of churn events and tickets (benchmarks/rollup_data.py).
2. Times the product's full rollup as a user gets it: `rollup.refresh.refresh(full=True)`
   = the ADBC read of the needed columns (in a child process, see rollup.source),
   the pyarrow computation of every partial, and saving them.
3. Reads the same Arrow tables once more and, --repeat times each, alternating, times
   (a) the product's computation alone (rollup.compute.compute_partials) and (b) DuckDB
   computing the same partials with SQL over the same Arrow tables. Both use the same
   algorithms (customer cohorts per join and churn month; revenue as per-customer
   intervals from a running sum; an as-of join for repeat repairs), so the ratio compares
   the engines, not the algorithms.
4. Checks that every partial row of every kind agrees exactly (integers: counts, cents,
   microseconds), and the headline figures too.
5. Prints rows, seconds, the ratio, and one JSON line for machines. Exit 1 on any
   disagreement.

Examples:
    python benchmarks/rollup.py --customers 20000
    python benchmarks/rollup.py                       # 1,000,000 customers
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import rollup_data

from node.db.unit_of_work import Database
from rollup.compute import compute_partials
from rollup.figures import figures
from rollup.labels import Labels
from rollup.pareto import LOG_RATIO
from rollup.partials import KINDS, Kind, conform
from rollup.periods import DEFAULT_TZ, Window, current_month
from rollup.refresh import refresh
from rollup.source import SourceTables, read_tables
from rollup.tenure import BANDS


def duckdb_sql(window: Window) -> dict[str, str]:
    """DuckDB SQL computing every kind of partial, as rollup.compute does (see its docs)."""
    first, last, end = window.first, window.last, window.last + 1
    low = first - BANDS[-1][1] - 1
    tz = window.tz
    band_arms = " ".join(
        f"WHEN x >= {start} THEN '{code}'" for code, start, _ in reversed(BANDS[1:])
    )
    setup = f"""
    CREATE OR REPLACE MACRO mon(ts) AS
        (year(ts AT TIME ZONE '{tz}') * 12 + month(ts AT TIME ZONE '{tz}') - 1)::INTEGER;
    CREATE OR REPLACE MACRO band(x) AS CASE {band_arms} ELSE '{BANDS[0][0]}' END;
    CREATE OR REPLACE TEMP TABLE months AS SELECT range::INTEGER AS m FROM range({first}, {end});
    CREATE OR REPLACE TEMP TABLE facts AS
        WITH latest AS (
            SELECT customer_id, origin, mon(churned_at) AS churned, reason, competitor,
                   lost_cents
            FROM (SELECT *, row_number() OVER (PARTITION BY customer_id, origin
                      ORDER BY churned_at DESC, lost_cents DESC, reason ASC,
                               competitor ASC NULLS LAST) AS rn
                  FROM churn_events)
            WHERE rn = 1)
        SELECT c.id, c.origin, c.type, c.grade, coalesce(c.is_key_account, false) AS key_account,
               c.account_manager_id AS manager, mon(c.joined_at) AS joined, l.churned,
               l.reason, l.competitor, l.lost_cents,
               least(greatest(mon(c.joined_at), {first}), {end}) AS a,
               greatest(least(greatest(coalesce(l.churned, {end}), {low}), {end}), {first}) AS b
        FROM customers c
        LEFT JOIN latest l ON l.customer_id = c.id AND l.origin = c.origin;
    CREATE OR REPLACE TEMP TABLE live AS
        WITH subs AS (
            SELECT f.id, f.origin, greatest(mon(s.started_at), f.a) AS s,
                   least(coalesce(mon(s.ended_at), {end}), f.b) AS e, s.fee_cents AS fee
            FROM subscriptions s JOIN facts f ON f.id = s.customer_id AND f.origin = s.origin),
        events AS (
            SELECT id, origin, s AS month, fee AS delta FROM subs WHERE s < e
            UNION ALL SELECT id, origin, e, -fee FROM subs WHERE s < e AND e < {end}
            UNION ALL SELECT id, origin, a, 0 FROM facts WHERE a < b
            UNION ALL SELECT id, origin, b, 0 FROM facts WHERE a < b AND b < {end}),
        steps AS (SELECT id, origin, month, sum(delta) AS delta FROM events GROUP BY ALL),
        intervals AS (
            SELECT id, origin, month AS first,
                   coalesce(lead(month) OVER w, {end}) AS stop,
                   (sum(delta) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))::BIGINT
                       AS revenue
            FROM steps WINDOW w AS (PARTITION BY id, origin ORDER BY month))
        SELECT i.first, i.stop, i.revenue, f.*
        FROM intervals i JOIN facts f USING (id, origin)
        WHERE i.first < i.stop AND i.first >= f.a AND i.first < f.b;
    """
    customers = f"""
    WITH cohort AS (
        SELECT origin, type, grade, key_account,
               least(greatest(joined, {low}), {end}) AS j,
               least(greatest(coalesce(churned, {end}), {low}), {end}) AS c, count(*) AS n
        FROM facts GROUP BY ALL),
    counts AS (
        SELECT origin, m AS period, type, grade, key_account, band(m - j) AS tenure,
               sum(CASE WHEN j < m AND m <= c THEN n ELSE 0 END) AS active_at_start,
               sum(CASE WHEN j = m THEN n ELSE 0 END) AS joined,
               sum(CASE WHEN j <= m AND m < c THEN n ELSE 0 END) AS active_at_end,
               0 AS revenue_at_end
        FROM cohort JOIN months ON (j < m AND m <= c) OR j = m
        GROUP BY ALL),
    revenue AS (
        SELECT origin, m AS period, type, grade, key_account, band(m - joined) AS tenure,
               0 AS active_at_start, 0 AS joined, 0 AS active_at_end,
               sum(r) AS revenue_at_end
        FROM (SELECT origin, type, grade, key_account, joined, first, stop, sum(revenue) AS r
              FROM live GROUP BY ALL) g
        JOIN months ON first <= m AND m < stop
        GROUP BY ALL)
    SELECT origin, period, type, grade, key_account, tenure,
           sum(active_at_start)::BIGINT AS active_at_start, sum(joined)::BIGINT AS joined,
           sum(active_at_end)::BIGINT AS active_at_end,
           sum(revenue_at_end)::BIGINT AS revenue_at_end
    FROM (SELECT * FROM counts UNION ALL SELECT * FROM revenue) GROUP BY ALL
    """
    churn = f"""
    SELECT origin, churned AS period, type, grade, key_account, band(churned - joined) AS tenure,
           reason, competitor, count(*)::BIGINT AS churned,
           sum((joined < churned)::INTEGER)::BIGINT AS churned_from_start,
           sum(coalesce(lost_cents, 0))::BIGINT AS churned_revenue
    FROM facts WHERE churned BETWEEN {first} AND {last} GROUP BY ALL
    """
    sketch = f"""
    WITH b AS (
        SELECT origin, first, stop, revenue,
               CASE WHEN revenue > 0
                    THEN 1 + floor(ln(greatest(revenue, 1)::DOUBLE) / {LOG_RATIO!r})::INTEGER
                    ELSE 0 END AS bucket
        FROM live),
    g AS (SELECT origin, bucket, first, stop, count(*) AS n, sum(revenue) AS r,
                 min(revenue) AS lo, max(revenue) AS hi FROM b GROUP BY ALL)
    SELECT origin, m AS period, bucket, sum(n)::BIGINT AS customers, sum(r)::BIGINT AS revenue,
           min(lo)::BIGINT AS min_revenue, max(hi)::BIGINT AS max_revenue
    FROM g JOIN months ON first <= m AND m < stop GROUP BY ALL
    """
    managers = """
    WITH g AS (SELECT origin, lower(hex(manager)) AS manager, key_account, first, stop,
                      count(*) AS n, sum(revenue) AS r
               FROM live WHERE manager IS NOT NULL GROUP BY ALL)
    SELECT origin, m AS period, manager, key_account, sum(n)::BIGINT AS active_at_end,
           sum(r)::BIGINT AS revenue_at_end
    FROM g JOIN months ON first <= m AND m < stop GROUP BY ALL
    """
    tickets = f"""
    WITH t AS (SELECT row_number() OVER () AS tid, * FROM tickets),
    repairs AS (SELECT tid, customer_id, origin, created_at FROM t WHERE kind = 'repair'),
    resolutions AS (
        SELECT tid, customer_id, origin, resolved_at,
               lag(resolved_at) OVER (PARTITION BY customer_id, origin
                                      ORDER BY resolved_at, tid) AS before
        FROM t WHERE kind = 'repair' AND resolved_at IS NOT NULL),
    repeats AS (
        SELECT r.tid,
               coalesce(CASE WHEN x.tid = r.tid THEN x.before ELSE x.resolved_at END
                        >= r.created_at - INTERVAL 30 DAY, false) AS repeat
        FROM repairs r ASOF LEFT JOIN resolutions x
          ON r.customer_id = x.customer_id AND r.origin = x.origin
         AND r.created_at >= x.resolved_at),
    f AS (
        SELECT t.*, coalesce(p.repeat, false) AS repeat,
               epoch_us(resolved_at) - epoch_us(created_at) AS took,
               CASE severity WHEN 'major' THEN 86400000000 WHEN 'general' THEN 172800000000
               END AS lim
        FROM t LEFT JOIN repeats p USING (tid)),
    parts AS (
        SELECT origin, mon(created_at) AS period, kind, severity, 1 AS opened, 0 AS resolved,
               0 AS sla_resolved, 0 AS sla_met, 0 AS resolve_us, 0 AS satisfaction_sum,
               0 AS satisfaction_count, (kind = 'repair')::INTEGER AS repairs_opened,
               repeat::INTEGER AS repeat_repairs
        FROM f
        UNION ALL
        SELECT origin, mon(resolved_at), kind, severity, 0, 1,
               (lim IS NOT NULL)::INTEGER, coalesce(took <= lim, false)::INTEGER, took,
               coalesce(satisfaction, 0), (satisfaction IS NOT NULL)::INTEGER, 0, 0
        FROM f WHERE resolved_at IS NOT NULL)
    SELECT origin, period, kind, severity,
           sum(opened)::BIGINT AS opened, sum(resolved)::BIGINT AS resolved,
           sum(sla_resolved)::BIGINT AS sla_resolved, sum(sla_met)::BIGINT AS sla_met,
           sum(resolve_us)::BIGINT AS resolve_us,
           sum(satisfaction_sum)::BIGINT AS satisfaction_sum,
           sum(satisfaction_count)::BIGINT AS satisfaction_count,
           sum(repairs_opened)::BIGINT AS repairs_opened,
           sum(repeat_repairs)::BIGINT AS repeat_repairs
    FROM parts WHERE period BETWEEN {first} AND {last} GROUP BY ALL
    """
    return {
        "setup": setup,
        "customers": customers,
        "churn": churn,
        "tickets": tickets,
        "revenue_sketch": sketch,
        "managers": managers,
    }


def duckdb_partials(source: SourceTables, window: Window) -> dict[str, pa.Table]:
    import duckdb

    con = duckdb.connect()
    for name, table in source.as_dict().items():
        con.register(name, table)
    sql = duckdb_sql(window)
    con.execute(sql["setup"])
    out = {}
    for kind in KINDS:
        out[kind] = conform(KINDS[kind], con.sql(sql[kind]).to_arrow_table())
    con.close()
    return out


def canonical(table: pa.Table) -> pa.Table:
    keys = [(c, "ascending") for c in table.column_names]
    return table.sort_by(keys)


def _nonzero(kind: Kind, table: pa.Table) -> pa.Table:
    """The kind's rows with any measure not zero, in a canonical order."""
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return conform(kind, table)
    mask = None
    for m in kind.measure_names:
        col = pc.not_equal(pc.fill_null(table.column(m), 0), 0)
        mask = col if mask is None else pc.or_(mask, col)
    return canonical(conform(kind, table).filter(mask))


def compare(mine: dict[str, pa.Table], theirs: dict[str, pa.Table]) -> list[str]:
    """Kinds whose partial rows differ (zero rows dropped on both sides)."""
    problems = []
    for name, kind in KINDS.items():
        a, b = _nonzero(kind, mine[name]), _nonzero(kind, theirs[name])
        if not a.equals(b):
            problems.append(f"{name}: {a.num_rows} rows here, {b.num_rows} from DuckDB")
    return problems


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench-out/rollup"))
    parser.add_argument("--fresh", action="store_true", help="rebuild the node")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each engine")
    args = parser.parse_args()

    import lookup  # the look-up benchmark's helpers: the fedcrm command and its environment

    node_dir = args.workdir / f"province-{args.customers}"
    if args.fresh and (node_dir / rollup_data.OWNED).exists():
        import shutil

        shutil.rmtree(node_dir)
    print(f"node: {node_dir}")
    _, build_s = timed(
        rollup_data.build, node_dir, args.customers, lookup.fedcrm_command(), lookup.node_env()
    )
    db = Database(f"sqlite:///{node_dir.resolve() / 'node.db'}", rollup_data.NODE_CODE)
    window = Window.ending(current_month(DEFAULT_TZ))

    run, full_s = timed(lambda: refresh(db, "bench", full=True))
    print(
        f"product full rollup (read + compute + save): {full_s:.2f} s "
        + " ".join(f"[{k} {v:.2f} s]" for k, v in run.phases.items())
    )
    source, read_s = timed(read_tables, db)
    rows = {name: t.num_rows for name, t in source.as_dict().items()}
    print("rows read: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))

    mine_s, duck_s = [], []
    mine = theirs = None
    for _ in range(args.repeat):
        mine, s = timed(compute_partials, source, window)
        mine_s.append(s)
        theirs, s = timed(duckdb_partials, source, window)
        duck_s.append(s)
    assert mine is not None and theirs is not None
    problems = compare(mine, theirs)
    figures_agree = all(
        figures(n, mine, window.last - 1, "city", Labels()).as_json()
        == figures(n, theirs, window.last - 1, "city", Labels()).as_json()
        for n in ("key-accounts", "churn", "service", "value")
    )
    best_mine, best_duck = min(mine_s), min(duck_s)
    partial_rows = sum(t.num_rows for t in mine.values())
    print(f"partial rows: {partial_rows:,} in {len(KINDS)} kinds")
    print(f"pyarrow compute (product): {best_mine:.2f} s   runs {[round(s, 2) for s in mine_s]}")
    print(f"DuckDB, same Arrow tables: {best_duck:.2f} s   runs {[round(s, 2) for s in duck_s]}")
    ratio = best_mine / best_duck
    with_read = (read_s + best_mine) / (read_s + best_duck)
    print(
        f"ratio product/DuckDB: {ratio:.2f} (target <= 1.5); with the {read_s:.2f} s read "
        f"on both sides: {with_read:.2f}"
    )
    print(
        "agreement: "
        + (
            "every partial row and figure equal"
            if not problems and figures_agree
            else "; ".join(problems) or "figures differ"
        )
    )
    print(json.dumps({
        "customers": args.customers,
        "rows": rows,
        "build_s": round(build_s, 2),
        "full_rollup_s": round(full_s, 3),
        "phases": {k: round(v, 3) for k, v in run.phases.items()},
        "read_s": round(read_s, 3),
        "product_compute_s": round(best_mine, 3),
        "duckdb_s": round(best_duck, 3),
        "ratio": round(ratio, 3),
        "ratio_with_read": round(with_read, 3),
        "partial_rows": partial_rows,
        "agree": not problems and figures_agree,
        "threads": os.cpu_count(),
    }))  # fmt: skip
    db.dispose()
    return 0 if not problems and figures_agree else 1


if __name__ == "__main__":
    sys.exit(main())
