"""The replication benchmark's end-to-end runs: `fedcrm sync` at the city until HQ holds
every row, over HTTP and over SFTP."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import lookup
import replication_data as data
from repl_topology import (
    Node,
    Processes,
    build_topology,
    console,
    discard,
    serve_all,
)
from sqlalchemy import Engine

from node.db.engine import make_engine

E2E_INTERVAL = 0.5  # province -> HQ scheduler interval during the end-to-end run
POLL_E2E = 0.1  # seconds between looks at the checkpoints during the end-to-end run


# ---- end to end ------------------------------------------------------------------------


def cli_startup() -> float:
    """Seconds a `fedcrm` process needs before it does anything (best of 3 imports).

    Part of the end-to-end time (the city's sync is a fresh process): at small scales
    it is a large share of it, at 1M rows a small one.
    """
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import node.cli.main"], check=True, env=lookup.node_env()
        )
        times.append(time.perf_counter() - start)
    return min(times)


def source_commit() -> str | None:
    """The checked-out commit, to tie figures to code (read-only git query)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent,
        )
    except OSError:
        return None
    return out.stdout.strip() or None


@dataclass
class EndToEnd:
    rows: int
    seconds: float  # `fedcrm sync` launched -> HQ holds every row
    rows_per_s: float
    sync_seconds: float  # the city's `fedcrm sync` process alone (start to exit)
    province_seconds: float  # launched -> the province holds every row
    rows_sent: int
    apply_seconds: dict[str, float]  # receive_batch time summed at each parent
    batches: dict[str, int]
    cli_startup_seconds: float  # included in seconds and sync_seconds


def applied_rows(engine: Engine, sender: str) -> dict[str, int]:
    """Rows applied from `sender` per table, from the checkpoint rows (a tiny read).

    Counting the tables themselves at 1M rows would cost a good part of a core at this
    polling rate, competing with what is measured; the checkpoints are committed in the
    same transaction as the rows they count. The final figures are checked by count(*).
    """
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT table_name, rows_applied FROM federation_checkpoints WHERE sender = '{sender}'"
        ).all()
    return {name: int(n) for name, n in rows}


def metric_sums(url: str) -> dict[str, float]:
    """fedcrm_batch_apply_seconds sum and count from a node's /metrics."""
    body = httpx.get(f"{url}/metrics", timeout=10, trust_env=False).text
    out: dict[str, float] = {}
    for name in ("fedcrm_batch_apply_seconds_sum", "fedcrm_batch_apply_seconds_count"):
        m = re.search(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+-]+)$", body, re.M)
        out[name] = float(m.group(1)) if m else 0.0
    return out


def run_end_to_end(
    args: argparse.Namespace, procs: Processes, nodes: dict[str, Node], expected: dict[str, int]
) -> EndToEnd:
    hq, province, city = nodes["hq"], nodes["province"], nodes["city"]
    serve_all(procs, [hq, province], E2E_INTERVAL, args.ready_timeout)
    hq_engine, prov_engine = make_engine(hq.db_url), make_engine(province.db_url)
    total = sum(expected.values())
    timeout = 120 + total / 1000  # far beyond any plausible run; a stuck run must end
    log = city.dir / "sync.log"
    try:
        start = time.perf_counter()
        sync = procs.start(
            [*lookup.fedcrm_command(), "sync", str(city.dir)],
            log,
            lookup.node_env(PYTHONUNBUFFERED="1"),
        )
        sync_end = prov_end = hq_end = None
        with console.status("end to end: city sync, province relays, HQ applies") as status:
            while hq_end is None:
                now = time.perf_counter()
                if sync_end is None and sync.poll() is not None:
                    sync_end = now
                    if sync.returncode != 0:
                        raise SystemExit(f"fedcrm sync failed:\n{log.read_text()}")
                if prov_end is None:
                    got = applied_rows(prov_engine, city.code)
                    if all(got.get(t, 0) >= n for t, n in expected.items()):
                        prov_end = now
                got = applied_rows(hq_engine, province.code)
                if all(got.get(t, 0) >= n for t, n in expected.items()):
                    hq_end = now
                    break
                if now - start > timeout:
                    raise SystemExit(f"HQ holds {got} of {expected} after {timeout:.0f} s")
                done = sum(min(got.get(t, 0), n) for t, n in expected.items())
                status.update(
                    f"end to end: HQ holds {done:,} / {total:,} rows ({now - start:.0f} s)"
                )
                time.sleep(POLL_E2E)
        sync.wait(timeout=300)
        sync_end = sync_end or time.perf_counter()
        procs.procs.remove(sync)
        if sync.returncode != 0:
            raise SystemExit(f"fedcrm sync failed:\n{log.read_text()}")
        for table, n in expected.items():  # the checkpoints said so; the tables must agree
            got_rows = data.count_rows(hq.db_url, table)
            if got_rows != n:
                raise SystemExit(f"HQ holds {got_rows} {table} of origin {data.CITY}, not {n}")
        metrics = {k: metric_sums(n.url) for k, n in (("province", province), ("hq", hq))}
    finally:
        hq_engine.dispose()
        prov_engine.dispose()
    sent = re.search(r"(\d+) rows sent", log.read_text())
    seconds = hq_end - start
    return EndToEnd(
        rows=total,
        seconds=seconds,
        rows_per_s=total / seconds,
        sync_seconds=sync_end - start,
        province_seconds=(prov_end or hq_end) - start,
        rows_sent=int(sent.group(1)) if sent else -1,
        apply_seconds={k: v["fedcrm_batch_apply_seconds_sum"] for k, v in metrics.items()},
        batches={k: int(v["fedcrm_batch_apply_seconds_count"]) for k, v in metrics.items()},
        cli_startup_seconds=cli_startup(),
    )


def run_sftp(
    args: argparse.Namespace,
    procs: Processes,
    workdir: Path,
    template: data.Template,
    expected: dict[str, int],
) -> EndToEnd:
    """The same end to end with both links over SFTP, through a real sshd on loopback."""
    from tests.sshd import start_sshd  # the test suite's sshd: own host key, loopback port

    run_dir = workdir / "run-sftp"
    data.prepare_dir(run_dir)
    sshd = start_sshd(run_dir / "sshd")
    try:
        nodes = build_topology(args, run_dir, template, sshd=sshd)
        e2e = run_end_to_end(args, procs, nodes, expected)
        procs.stop_all()
    finally:
        sshd.stop()
    console.print(
        f"end to end over SFTP: {e2e.rows:,} rows in {e2e.seconds:.2f} s "
        f"({e2e.rows_per_s:,.0f} rows/s)"
    )
    for node in nodes.values():
        discard(node)
    return e2e
