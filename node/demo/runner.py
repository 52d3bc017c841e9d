"""`fedcrm demo` from start to end: build or reuse, serve, replicate, verify, report, trickle."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from node.demo import summary
from node.demo.build import ensure_built
from node.demo.plan import Params, Plan, PlanError, open_or_plan
from node.demo.processes import NodeProcesses
from node.demo.sshd import DemoSshd, SshdUnavailable
from node.demo.trickle import Trickle
from node.demo.watch import figures, login, refresh_rollups, verify_parents, wait_for_hq


@dataclass(frozen=True)
class DemoOptions:
    root: Path
    params: Params
    once: bool
    interval_seconds: float = 2.0
    first_port: int = 8100
    trickle_per_city: float = 2.0  # changes per second at each city


def _bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _build(
    console: Console, options: DemoOptions, plan: Plan, sshd: DemoSshd | None
) -> dict[str, str]:
    with _bar(console) as bar:
        tasks = {
            n.code: bar.add_task(
                f"{n.code} {n.name} customers",
                total=options.params.customers_per_city,
                completed=options.params.customers_per_city if n.code in plan.generated else 0,
            )
            for n in plan.of_level("city")
        }
        return ensure_built(options.root, plan, lambda code, n: bar.advance(tasks[code], n), sshd)


def _replicate(console: Console, options: DemoOptions, plan: Plan) -> None:
    with _bar(console) as bar:
        task = bar.add_task("replicating to HQ (rows)", total=None)
        wait_for_hq(
            options.root,
            plan,
            lambda held, expected: bar.update(task, completed=held, total=expected),
        )


def _statuses(plan: Plan, passwords: dict[str, str]) -> dict[str, list[dict]]:
    out = {}
    for node in plan.of_level("hq") + plan.of_level("province"):
        with login(node, passwords[node.code]) as api:
            out[f"{node.code} {node.name}"] = api.get("/api/v1/federation/status").json()[
                "children"
            ]
    return out


def _has_web(plan: Plan) -> bool:
    try:
        resp = httpx.get(plan.nodes[0].url + "/", follow_redirects=True, timeout=5)
    except httpx.HTTPError:
        return False
    return resp.status_code == 200 and resp.headers.get("content-type", "").startswith("text/html")


def _report(
    console: Console, options: DemoOptions, plan: Plan, passwords: dict[str, str], seconds: float
) -> bool:
    results = verify_parents(options.root, plan)
    # Every province's dashboard has figures when the demo hands over, as HQ's has
    # (nobody has to press 重新计算 first).
    for province in plan.of_level("province"):
        with login(province, passwords[province.code]) as api:
            refresh_rollups(api)
    hq = plan.node("000000")
    with login(hq, passwords[hq.code]) as api:
        refresh_rollups(api)
        keys, churn, service = (figures(api, n) for n in ("key-accounts", "churn", "service"))
        by_province = figures(api, "churn", "province")
    summary.print_all(
        console,
        summary.nodes_table(options.root, plan),
        f"HQ held every row of every node {seconds:.1f} s after the cities started",
        summary.children_table(_statuses(plan, passwords)),
        summary.verification_lines(results),
        summary.figures_table(keys, churn, service, by_province),
        summary.url_lines(plan, passwords, _has_web(plan)),
        f"admin passwords are also in {options.root / 'admin-passwords.txt'}",
    )
    return all(r.ok for r in results)


def _trickle(console: Console, options: DemoOptions, plan: Plan, passwords: dict[str, str]) -> None:
    trickle = Trickle.for_cities(plan.of_level("city"), passwords, options.trickle_per_city)
    trickle.start()
    console.print(
        "[bold]running[/]: a trickle of calls, work orders and customers at every city; "
        "watch /metrics. Press Ctrl-C to stop every node."
    )
    try:
        while True:
            time.sleep(10)
            lags = []
            for parent, children in _statuses(plan, passwords).items():
                for c in children:
                    if c["lag_seconds"] is not None:
                        lags.append(f"{c['code']}→{parent[:6]} {c['lag_seconds']:.1f}s")
            done = ", ".join(f"{k} {v}" for k, v in sorted(trickle.totals().items()))
            console.print(f"{time.strftime('%H:%M:%S')} {done} | lag {'  '.join(lags)}")
    finally:
        trickle.stop()


def _stop_on_sigterm() -> None:
    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


@contextmanager
def _sshd_for(options: DemoOptions, plan: Plan) -> Iterator[DemoSshd | None]:
    """The demo's sshd while the demo runs, when one city replicates over SFTP."""
    if plan.sshd_port is None:
        yield None
        return
    sshd = DemoSshd(options.root / "sshd", plan.sshd_port)
    try:
        sshd.prepare()
        sshd.start()
    except SshdUnavailable as exc:
        raise PlanError(str(exc)) from None
    try:
        yield sshd
    finally:
        sshd.stop()


def run_demo(options: DemoOptions, console: Console) -> int:
    """Exit status: 0 when verification passed (and, without --once, after Ctrl-C)."""
    plan, reused = open_or_plan(options.root, options.params, options.first_port)
    console.print(
        f"{'reusing' if reused else 'building'} the demo federation in {options.root}: "
        f"{len(plan.nodes)} nodes, {options.params.customers_per_city:,} customers per city"
    )
    with _sshd_for(options, plan) as sshd:
        passwords = _build(console, options, plan, sshd)
        if sshd is not None and plan.sftp_city is not None:
            console.print(
                f"{plan.sftp_city.code} {plan.sftp_city.name} replicates over SFTP "
                f"(the demo's sshd on 127.0.0.1:{sshd.port}, host key checked)"
            )
        return _serve(console, options, plan, passwords)


def _serve(console: Console, options: DemoOptions, plan: Plan, passwords: dict[str, str]) -> int:
    _stop_on_sigterm()
    with NodeProcesses(options.root, options.interval_seconds) as nodes:
        try:
            nodes.reserve(plan.nodes)
            for level in ("hq", "province"):  # parents first: children send at once
                nodes.start(plan.of_level(level))
            started = time.monotonic()
            nodes.start(plan.of_level("city"))
            _replicate(console, options, plan)
            seconds = time.monotonic() - started
            ok = _report(console, options, plan, passwords, seconds)
            if options.once or not ok:
                return 0 if ok else 1
            _trickle(console, options, plan, passwords)
        except KeyboardInterrupt:
            console.print("stopping every node ...")
            if options.once:
                return 130
        except (TimeoutError, httpx.HTTPError) as exc:
            raise PlanError(f"{exc.__class__.__name__}: {exc}") from None
    console.print("all nodes stopped")
    return 0
