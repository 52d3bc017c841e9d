"""The replication benchmark's topology: nodes made with the real CLI, their processes,
and what every part of the benchmark shares (the counted tables, the console)."""

from __future__ import annotations

import argparse
import getpass
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lookup
import replication_data as data
from rich.console import Console
from sqlalchemy.engine import make_url

TABLES = ("customers", "subscriptions")  # the rows the figures count

console = Console(highlight=False, width=None if sys.stdout.isatty() else 150)


# ---- nodes and processes --------------------------------------------------------------


@dataclass
class Node:
    """One node of the run's topology."""

    code: str
    name: str
    level: str
    dir: Path
    port: int
    db_url: str
    parent: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Processes:
    """Every process this run started, so `finally` can stop them all (and only them)."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, cmd: Sequence[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc = subprocess.Popen(
                list(cmd), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        lookup.stop(proc)  # terminate, wait 15 s, then kill
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.procs):
            try:
                self.stop(proc)
            except Exception as exc:  # keep stopping the others
                console.print(f"[red]could not stop pid {proc.pid}: {exc}[/]")


def cli(args: Sequence[str], stdin: str | None = None) -> str:
    """Run the real `fedcrm` CLI in its own process; return stdout, fail loudly."""
    cmd = [*lookup.fedcrm_command(), *args]
    result = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, check=False, env=lookup.node_env()
    )
    if result.returncode != 0:
        raise SystemExit(
            f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}{result.stderr}"
        )
    return result.stdout


def drop_database(url: str) -> None:
    if make_url(url).get_backend_name() == "postgresql":
        lookup.recreate_postgres_database(url)  # drops; `fedcrm init` creates it again


def init_node(node: Node) -> None:
    """`fedcrm init` + an admin user, on a fresh directory and database."""
    data.prepare_dir(node.dir)
    drop_database(node.db_url)
    init = ["init", str(node.dir), "--level", node.level, "--code", node.code]
    init += ["--name", node.name, "--port", str(node.port)]
    if make_url(node.db_url).get_backend_name() == "postgresql":
        init += ["--db", node.db_url]
    cli(init)
    user = ["user", "add", str(node.dir), "--username", "admin", "--role", "admin"]
    cli([*user, "--password-stdin"], stdin=data.ADMIN_PASSWORD + "\n")


def node_db_url(args: argparse.Namespace, node_dir: Path, name: str) -> str:
    if args.postgres:
        return data.pg_url(args.postgres, name)
    return f"sqlite:///{(node_dir / 'node.db').resolve()}"


def build_topology(
    args: argparse.Namespace, run_dir: Path, template: data.Template, sshd: Any = None
) -> dict[str, Node]:
    """HQ, province and city with the real CLI; the city's database is the template's copy.

    With `sshd` (tests/sshd.py's SshServer) both links go over SFTP to the parents'
    inboxes instead of HTTP.
    """
    layout = [
        ("000000", "集团总部", "hq", None, "hq"),
        ("430000", "湖南省", "province", "000000", "province"),
        (data.CITY, "长沙市", "city", "430000", "city"),
    ]
    nodes: dict[str, Node] = {}
    for code, name, level, parent, key in layout:
        node_dir = run_dir / key
        node = Node(
            code,
            name,
            level,
            node_dir,
            lookup.free_port(),
            node_db_url(args, node_dir, key + ("_sftp" if sshd else "")),
            parent,
        )
        with timed(f"init {level} {code}"):
            init_node(node)
        nodes[key] = node
    with timed("copy the template city"):
        data.copy_database(template, nodes["city"].db_url)
    by_code = {n.code: n for n in nodes.values()}
    for node in nodes.values():
        if node.parent is not None:
            link_child(node, by_code[node.parent], sshd)
    return nodes


def link_child(node: Node, up: Node, sshd: Any = None) -> None:
    """Register `node` at its parent `up` and point it there, as an operator does: only
    public keys travel, the child's to the parent and the parent's back."""
    child_key = cli(["key", "show", str(node.dir)]).strip().splitlines()[-1]
    add = ["child", "add", str(up.dir), "--code", node.code, "--name", node.name]
    add += ["--public-key", child_key, "--level", node.level, "--url", node.url]
    out = cli([*add, *(["--sftp"] if sshd else [])])
    link = ["parent", "set", str(node.dir), "--parent-key", out.strip().splitlines()[-1]]
    if sshd is None:
        cli([*link, "--url", up.url])
    else:
        cli([*link, *sftp_link(sshd, up.dir / "inbox" / node.code)])


def sftp_link(sshd: Any, inbox: Path) -> list[str]:
    """`fedcrm parent set` options for a link to `inbox` through the benchmark's sshd."""
    return [
        "--transport",
        "sftp",
        "--host",
        "127.0.0.1",
        "--port",
        str(sshd.port),
        "--username",
        getpass.getuser(),
        "--key-file",
        str(sshd.client_key),
        "--known-hosts",
        str(sshd.known_hosts),
        "--inbox",
        str(inbox),
    ]


def serve(procs: Processes, node: Node, interval: float) -> subprocess.Popen[bytes]:
    """`fedcrm serve DIR` with the scheduler at `interval` seconds (environment override,
    so node.toml is never rewritten with it)."""
    env = lookup.node_env(
        PYTHONUNBUFFERED="1",
        FEDCRM_FEDERATION__INTERVAL_SECONDS=str(interval),
        # A parent reached over SFTP looks into its inbox this often (HTTP ignores it).
        FEDCRM_FEDERATION__INGEST_INTERVAL_SECONDS=str(interval),
    )
    return procs.start(
        [*lookup.fedcrm_command(), "serve", str(node.dir)], node.dir / "serve.log", env
    )


def serve_all(procs: Processes, nodes: Sequence[Node], interval: float, timeout: float) -> None:
    """Serve `nodes` top-down, each ready before the next starts: a province started
    beside a not-yet-listening HQ would spend the measured window in retry back-off."""
    for node in nodes:
        proc = serve(procs, node, interval)
        lookup.wait_ready(proc, node.url, timeout, node.dir / "serve.log")


@contextmanager
def timed(label: str) -> Iterator[None]:
    start = time.perf_counter()
    with console.status(f"{label}..."):
        yield
    console.print(f"  {label}: {time.perf_counter() - start:.1f} s")


def discard(node: Node) -> None:
    """Free the disk a baseline database took (1M rows: GBs)."""
    if make_url(node.db_url).get_backend_name() == "postgresql":
        lookup.recreate_postgres_database(node.db_url)
    shutil.rmtree(node.dir, ignore_errors=True)
