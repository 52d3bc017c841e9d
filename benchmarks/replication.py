"""Replication city -> province -> HQ: end-to-end rows/s against two baselines, and lag.

Target (docs/performance.md): end-to-end rows/s at least 0.5x of bulk-loading the
same rows straight into the HQ database by the fastest path, at least 10x of a
hand-written JSON-over-HTTP push, and p99 city -> HQ lag within two replication
intervals under a steady 1,000 changes/s.

What it does, in order:

1. Builds (or reuses, see --workdir/--fresh) a template city 430100 with N customers
   (benchmarks/synthetic_customers.py through lookup.py's loaders) and K subscriptions
   per customer (benchmarks/replication_data.py). Every run copies it afresh.
2. Creates HQ 000000, province 430000 and the run's city with the real CLI (`init`,
   `user add`, `child add`, `parent set`), the city's database replaced by the copy.
3. End to end: HQ and province run as `fedcrm serve` (scheduler interval 0.5 s, so the
   province relays while the city sends); `fedcrm sync CITY` runs one full cycle; the
   clock stops when HQ holds every customer and subscription of origin 430100.
4. (a) Bulk load: the same rows as wire-schema Arrow (read with the product's capture),
   upserted into a fresh migrated HQ database by the fastest paths in docs/performance.md
   (SQLite, all in one transaction: ADBC adbc_ingest into a temp stage + one
   INSERT..SELECT upsert, ADBC executemany with FTS suspended, and executemany with the
   FTS triggers per row; the first two fill the index by one INSERT..SELECT as the
   product does; PostgreSQL: ADBC adbc_ingest into a temp stage and psycopg COPY into a
   temp stage, each + one INSERT..SELECT .. ON CONFLICT). The fastest is the reference.
5. (b) JSON over HTTP: a hand-written FastAPI endpoint (repl_json.py, served by this
   file's --json-server mode under uvicorn in its own process) taking JSON lists of rows
   and upserting them with SQLAlchemy Core executemany into another fresh HQ database,
   and a client that reads the city with SQLAlchemy in chunks of 5,000, json.dumps them
   and posts with httpx.
6. Lag: all three nodes served with --interval; 1,000 changes/s at the city through
   the node's unit of work (updates of `note` on random customers plus a few new
   customers), while HQ is polled every 0.2 s; lag of a change = first poll at which
   HQ holds that version or a newer one, minus its updated_at.
7. Prints a rich table and, last, one JSON line. Exit status 0 when every target
   passes, else 1. Every process it started is stopped (terminate, then kill).

The parts live beside this file: repl_topology.py (nodes and processes),
repl_end_to_end.py (3.), repl_bulk.py (4.), repl_json.py (5.), repl_lag.py (6.); this
file holds the report and the command line.

Examples:
    python benchmarks/replication.py --customers 20000 --lag-seconds 10
    python benchmarks/replication.py --customers 20000 --lag-seconds 10 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_bench_repl
    python benchmarks/replication.py                  # 1,000,000 customers on SQLite
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

# Run as a script (python benchmarks/replication.py): make the sibling modules importable,
# and the repository root (the SFTP run borrows the test suite's sshd, tests/sshd.py).
# The root comes first: benchmarks/rollup.py must not shadow the `rollup` package.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import replication_data as data
from repl_bulk import BulkResult, run_bulk
from repl_end_to_end import E2E_INTERVAL, EndToEnd, run_end_to_end, run_sftp, source_commit
from repl_json import JsonResult, run_json, run_json_server
from repl_lag import POLL_LAG, LagResult, run_lag
from repl_topology import TABLES, Processes, build_topology, console
from rich.table import Table

RATIO_BULK_TARGET = 0.5  # e2e >= 0.5x of (a)
RATIO_JSON_TARGET = 10.0  # e2e >= 10x of (b)

# ---- report --------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "[bold green]PASS[/]" if ok else "[bold red]FAIL[/]"


def report(
    args: argparse.Namespace,
    template: data.Template,
    expected: dict[str, int],
    e2e: EndToEnd,
    sftp: EndToEnd | None,
    bulk: list[BulkResult],
    json_result: JsonResult | None,
    lag: LagResult | None,
) -> dict[str, Any]:
    backend = "postgresql" if args.postgres else "sqlite"
    best = max(bulk, key=lambda b: b.rows_per_s)
    ratio_bulk = e2e.rows_per_s / best.rows_per_s
    ratio_json = e2e.rows_per_s / json_result.rows_per_s if json_result else None
    table = Table(
        title=f"replication city 430100 -> province 430000 -> HQ 000000: {backend}, "
        f"{expected['customers']:,} customers + {expected['subscriptions']:,} "
        "subscriptions"
    )
    for col in ("path", "rows", "seconds", "rows/s", "e2e / this"):
        table.add_column(col, justify="left" if col == "path" else "right")
    table.add_row(
        "[bold]end to end[/] (sync launched -> HQ holds all)",
        f"{e2e.rows:,}",
        f"{e2e.seconds:.2f}",
        f"[bold]{e2e.rows_per_s:,.0f}[/]",
        "1.00",
    )
    table.add_row(
        "  city `fedcrm sync` process alone",
        f"{e2e.rows:,}",
        f"{e2e.sync_seconds:.2f}",
        f"{e2e.rows / e2e.sync_seconds:,.0f}",
        "",
    )
    table.add_row(
        "    of which `fedcrm` start-up (import node.cli.main)",
        "",
        f"{e2e.cli_startup_seconds:.2f}",
        "",
        "",
    )
    table.add_row(
        "  launched -> province holds all",
        f"{e2e.rows:,}",
        f"{e2e.province_seconds:.2f}",
        f"{e2e.rows / e2e.province_seconds:,.0f}",
        "",
    )
    for key in ("province", "hq"):
        table.add_row(
            f"  receive_batch time summed at {key} ({e2e.batches[key]} batches)",
            "",
            f"{e2e.apply_seconds[key]:.2f}",
            "",
            "",
        )
    if sftp:
        table.add_row(
            f"end to end over SFTP (both links; ingest every {E2E_INTERVAL:g} s)",
            f"{sftp.rows:,}",
            f"{sftp.seconds:.2f}",
            f"[bold]{sftp.rows_per_s:,.0f}[/]",
            f"{e2e.rows_per_s / sftp.rows_per_s:.2f}",
        )
    for b in bulk:
        mark = " [bold](reference)[/]" if b is best else ""
        table.add_row(
            f"(a) {b.variant}{mark}",
            f"{b.rows:,}",
            f"{b.seconds:.2f}",
            f"{b.rows_per_s:,.0f}",
            f"{e2e.rows_per_s / b.rows_per_s:.2f}",
        )
    if json_result:
        table.add_row(
            "(b) JSON over HTTP (SQLAlchemy Core upsert)"
            + (f", first {args.json_limit:,} rows per table" if args.json_limit else ""),
            f"{json_result.rows:,}",
            f"{json_result.seconds:.2f}",
            f"{json_result.rows_per_s:,.0f}",
            f"{ratio_json:.1f}",
        )
    console.print(table)
    for b in bulk:
        phases = ", ".join(f"{k} {v:.2f}s" for k, v in b.phases.items())
        console.print(f"  (a) {b.variant}: {phases}")
    ok_bulk = ratio_bulk >= RATIO_BULK_TARGET
    ok_json = ratio_json is None or ratio_json >= RATIO_JSON_TARGET
    console.print(
        f"e2e / (a) = {ratio_bulk:.2f} (target >= {RATIO_BULK_TARGET}): {verdict(ok_bulk)}"
    )
    if ratio_json is not None:
        console.print(
            f"e2e / (b) = {ratio_json:.1f} (target >= {RATIO_JSON_TARGET:.0f}): {verdict(ok_json)}"
        )
    ok_lag = True
    if lag:
        ok_lag = lag.p99_s <= lag.target_s and lag.missing == 0
        lt = Table(
            title=f"city -> HQ lag under {lag.target_rate:,.0f} changes/s for "
            f"{lag.seconds:.0f} s (interval {lag.interval_s:g} s at every node; "
            f"HQ polled every {POLL_LAG} s)"
        )
        for col in (
            "changes",
            "achieved/s",
            "arrived",
            "missing",
            "p50 s",
            "p99 s",
            "p99 lower bound s",
            "max s",
            "target p99 s",
        ):
            lt.add_column(col, justify="right")
        lt.add_row(
            f"{lag.changes:,} ({lag.inserts} new)",
            f"{lag.achieved_rate:,.0f}",
            f"{lag.arrived:,}",
            str(lag.missing),
            f"{lag.p50_s:.2f}",
            f"{lag.p99_s:.2f}",
            f"{lag.p99_lower_bound_s:.2f}",
            f"{lag.max_s:.2f}",
            f"{lag.target_s:.2f}",
        )
        console.print(lt)
        if lag.achieved_rate < 0.95 * lag.target_rate:
            console.print(
                f"[yellow]the generator fell behind its schedule (worst "
                f"{lag.generator_behind_s:.2f} s): the rate is below target[/]"
            )
        # Judged on the upper bound: a pass does not depend on the polling resolution.
        console.print(
            f"p99 lag {lag.p99_s:.2f} s (upper bound; lower bound {lag.p99_lower_bound_s:.2f} s) "
            f"vs 2 x interval = {lag.target_s:.2f} s: {verdict(ok_lag)}"
        )
        if lag.missing:
            console.print(f"[bold red]{lag.missing} changes never reached HQ[/]")
        console.print(
            f"warm-up before the window ({lag.warmup_s:g} s, {lag.warmup_changes:,} changes, "
            f"not counted): p99 {lag.warmup_p99_s:.2f} s, max {lag.warmup_max_s:.2f} s"
        )
    return {
        "benchmark": "replication",
        "backend": backend,
        "customers": expected["customers"],
        "subscriptions": expected["subscriptions"],
        "workdir": str(args.workdir),
        "commit": source_commit(),
        "template": {
            "cached": template.stats is None,
            **(asdict(template.stats) if template.stats else {}),
        },
        "end_to_end": asdict(e2e),
        "end_to_end_sftp": asdict(sftp) if sftp else None,
        "ratio_sftp_over_bulk": round(sftp.rows_per_s / best.rows_per_s, 4) if sftp else None,
        "bulk": [asdict(b) for b in bulk],
        "bulk_reference": best.variant,
        "json": asdict(json_result) if json_result else None,
        "json_limited_to": args.json_limit or None,
        "lag": asdict(lag) if lag else None,
        "ratio_e2e_over_bulk": round(ratio_bulk, 4),
        "ratio_e2e_over_json": round(ratio_json, 3) if ratio_json is not None else None,
        "target_bulk_ratio": RATIO_BULK_TARGET,
        "target_json_ratio": RATIO_JSON_TARGET,
        "pass_bulk": ok_bulk,
        "pass_json": ok_json if json_result else None,
        "pass_lag": ok_lag if lag else None,
        "pass": ok_bulk and ok_json and ok_lag,
    }


# ---- main ----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--customers", type=int, default=1_000_000, help="customers at the city")
    p.add_argument("--subscriptions-per-customer", type=int, default=2, metavar="K")
    p.add_argument(
        "--postgres",
        metavar="URL-PREFIX",
        help="SQLAlchemy URL whose database name prefixes one database per node "
        "(_hq, _province, _city, ...), each DROPPED and recreated",
    )
    p.add_argument("--workdir", type=Path, help="default bench-out/replication[-pg]-N")
    p.add_argument("--fresh", action="store_true", help="rebuild the cached city")
    p.add_argument("--keep", action="store_true", help="keep the baseline databases")
    p.add_argument("--lag-seconds", type=float, default=30.0, help="length of the lag test")
    p.add_argument(
        "--lag-warmup",
        type=float,
        default=10.0,
        help="seconds of changes at the same rate before the lag is measured (the nodes "
        "were just restarted: their first applies read a cold page cache)",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="replication interval at every node during the lag test",
    )
    p.add_argument("--rate", type=float, default=1000.0, help="changes/s in the lag test")
    p.add_argument("--lag-batch", type=int, default=50, help="changes per transaction")
    p.add_argument(
        "--insert-share",
        type=float,
        default=0.05,
        help="share of the lag test's changes that are new customers",
    )
    p.add_argument(
        "--json-limit",
        type=int,
        default=0,
        help="(b) pushes at most this many rows per table (0: all)",
    )
    p.add_argument("--skip-json", action="store_true", help="skip baseline (b)")
    p.add_argument("--skip-sftp", action="store_true", help="skip the end to end over SFTP")
    p.add_argument("--skip-lag", action="store_true", help="skip the lag test")
    p.add_argument("--seed", type=int, default=20260101, help="data seed")
    p.add_argument("--chunk", type=int, default=50_000, help="rows per generated chunk")
    p.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="customer generator processes",
    )
    p.add_argument("--ready-timeout", type=float, default=120.0, help="seconds to wait for /readyz")
    # Internal: the JSON baseline's server runs this file in its own process.
    p.add_argument("--json-server", metavar="DB_URL", help=argparse.SUPPRESS)
    p.add_argument("--json-port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.json_server:
        return args
    if args.customers < 1 or args.subscriptions_per_customer < 1:
        p.error("--customers and --subscriptions-per-customer must be >= 1")
    if args.rate <= 0 or args.lag_batch < 1 or args.interval <= 0 or args.lag_warmup < 0:
        p.error("--rate, --lag-batch and --interval must be positive")
    if args.workdir is None:
        tag = "-pg" if args.postgres else ""
        args.workdir = Path("bench-out") / f"replication{tag}-{args.customers}"
    args.workdir = args.workdir.resolve()
    return args


def _terminate_on_sigterm() -> None:
    # SIGTERM would otherwise end us without running `finally`, orphaning the servers.
    def handler(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.json_server:
        run_json_server(args.json_server, args.json_port)
        return 0
    _terminate_on_sigterm()
    args.workdir.mkdir(parents=True, exist_ok=True)
    template = data.prepare_template(args, args.workdir)
    if template.stats:
        s = template.stats
        console.print(
            f"[bold]built the city in {s.seconds:.1f} s[/] "
            + ", ".join(f"{k} {v:.1f}s" for k, v in s.phases.items())
        )
    run_dir = args.workdir / "run"
    data.prepare_dir(run_dir)
    procs = Processes()
    try:
        nodes = build_topology(args, run_dir, template)
        expected = {t: data.count_rows(nodes["city"].db_url, t) for t in TABLES}
        e2e = run_end_to_end(args, procs, nodes, expected)
        procs.stop_all()  # baselines run on a quiet machine, like the end-to-end run
        console.print(
            f"end to end: {e2e.rows:,} rows in {e2e.seconds:.2f} s ({e2e.rows_per_s:,.0f} rows/s)"
        )
        sftp = None if args.skip_sftp else run_sftp(args, procs, args.workdir, template, expected)
        bulk = run_bulk(args, run_dir, nodes["city"], expected)
        json_result = (
            None if args.skip_json else run_json(args, procs, run_dir, nodes["city"], expected)
        )
        lag = None if args.skip_lag else run_lag(args, procs, nodes)
    finally:
        procs.stop_all()
    result = report(args, template, expected, e2e, sftp, bulk, json_result, lag)
    # Last line, plain print: machine-readable regardless of the terminal's width.
    print(json.dumps(result, ensure_ascii=False, default=str), flush=True)
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
