"""A federation of real `fedcrm serve` processes on loopback, for integration tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from node.provisioning.errors import ProvisioningError
from node.provisioning.nodes import ensure_postgres_database
from node.provisioning.serving import start_serving, stop_serving, wait_until_ready
from tests.conftest import reset_postgres_schema

PASSWORD = "topology-harbour-pw"


def free_port() -> int:
    """A port free now; another process may take it before it is bound again (prefer
    `listening_socket`, which holds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_socket(port: int = 0) -> socket.socket:
    """A loopback socket listening on `port` (0: a free one), held until a node serves on it.

    Binding at build time and handing the socket to `fedcrm serve --fd` closes the
    window in which a parallel test worker's node or outgoing connection could take a
    port that `free_port` only found free.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def reserved_node(code: str, name: str, level: str, folder: Path, db_url: str) -> Node:
    """A Node whose port is bound (and so held) from now until it first starts."""
    sock = listening_socket()
    return Node(code, name, level, folder, sock.getsockname()[1], db_url, listener=sock)


def fedcrm(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real CLI in its own process, as an operator would."""
    proc = subprocess.run(
        [sys.executable, "-m", "node.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"fedcrm {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@dataclass
class Node:
    code: str
    name: str
    level: str
    dir: Path
    port: int
    db_url: str
    process: subprocess.Popen | None = None
    token: str | None = None
    listener: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, interval: float = 3600, extra_env: dict[str, str] | None = None) -> None:
        """`fedcrm serve`; by default tests drive sync by hand, so the scheduler's
        replication interval is an hour and never races them."""
        env = (extra_env or {}) | {
            "FEDCRM_FEDERATION__INTERVAL_SECONDS": str(interval),
            # A parent ingests its SFTP inbox promptly; a served child waits briefly.
            "FEDCRM_FEDERATION__INGEST_INTERVAL_SECONDS": "0.3",
            "FEDCRM_FEDERATION__SFTP_ACK_TIMEOUT_SECONDS": "5",
        }
        # A restart binds the same port again: a stopped node must refuse connections,
        # so the test process keeps no socket open between a stop and a start.
        listener = self.listener or listening_socket(self.port)
        self.listener = None
        try:
            self.process = start_serving(self.dir, self.dir / "serve.log", env, listener=listener)
        finally:
            listener.close()  # the node holds its own copy now

    def wait_ready(self, timeout: float = 60) -> None:
        assert self.process is not None, f"node {self.code} was not started"
        try:
            wait_until_ready(self.process, self.url, self.dir / "serve.log", timeout)
        except ProvisioningError as exc:
            raise AssertionError(f"node {self.code} {exc}") from exc

    def stop(self, hard: bool = False) -> None:
        if self.process is not None:
            stop_serving(self.process, hard=hard)
        self.process = None

    def api(self) -> httpx.Client:
        if self.token is None:
            resp = httpx.post(
                f"{self.url}/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}
            )
            resp.raise_for_status()
            self.token = resp.json()["access_token"]
        return httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {self.token}"}
        )


@dataclass
class Topology:
    nodes: dict[str, Node] = field(default_factory=dict)

    def __getitem__(self, code: str) -> Node:
        return self.nodes[code]

    def start_all(self) -> None:
        for node in self.nodes.values():
            node.start()
        for node in self.nodes.values():
            node.wait_ready()

    def stop_all(self) -> None:
        for node in self.nodes.values():
            node.stop()


@dataclass
class SftpLink:
    """How a child reaches its parent's inbox over SSH (see tests/sshd.py)."""

    port: int
    username: str
    key_file: Path
    known_hosts: Path


LAYOUT = [  # code, name, level, parent
    ("000000", "集团总部", "hq", None),
    ("430000", "湖南省", "province", "000000"),
    ("430100", "长沙市", "city", "430000"),
    ("430200", "株洲市", "city", "430000"),
]


def setup_cli(*args: str, stdin: str | None = None) -> str:
    """Set-up steps run in-process (fast); what is under test runs as real processes."""
    from typer.testing import CliRunner

    from node.cli.main import app

    result = CliRunner().invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, f"fedcrm {' '.join(args)}: {result.output}"
    return result.output


def db_url_factory(
    backend: str, root: Path, pg_url: str | None, prefix: str = "fedcrm_it_"
) -> Callable[[str], str]:
    """Each node's own database: a file under `root`, or a fresh PostgreSQL database
    named `prefix` + the node's code (test modules that may run at the same time use
    different prefixes)."""
    if backend == "sqlite":
        return lambda code: f"sqlite:///{root / f'{code}.db'}"
    assert pg_url is not None
    # Named after the suite's own database too, so two suites on one server (CI beside a
    # developer's run) never reset each other's nodes.
    base, suite_db = pg_url.rsplit("/", 1)[0], make_url(pg_url).database

    def url_for(code: str) -> str:
        url = f"{base}/{suite_db}_{prefix}{code}"
        ensure_postgres_database(url)
        reset_postgres_schema(url)
        return url

    return url_for


def build(root: Path, db_url_for, sftp: dict[str, SftpLink] | None = None) -> Topology:  # type: ignore[no-untyped-def]
    """Create, register and link HQ, one province and two cities (not started)."""
    topo = Topology()
    for code, name, level, _parent in LAYOUT:
        node = reserved_node(code, name, level, root / code, db_url_for(code))
        init = ["init", str(node.dir), "--level", level, "--code", code, "--name", name]
        setup_cli(*init, "--db", node.db_url, "--port", str(node.port))
        user = ["user", "add", str(node.dir), "--username", "admin", "--role", "admin"]
        setup_cli(*user, "--password-stdin", stdin=PASSWORD + "\n")
        topo.nodes[code] = node
    for code, name, level, parent in LAYOUT:
        if parent is None:
            continue
        child, up = topo[code], topo[parent]
        link = (sftp or {}).get(code)
        # Only public keys travel: the child's to the parent, the parent's back.
        child_key = setup_cli("key", "show", str(child.dir)).strip().splitlines()[-1]
        add = ["child", "add", str(up.dir), "--code", code, "--name", name, "--level", level]
        add += ["--public-key", child_key, "--url", child.url]
        out = setup_cli(*add, *(["--sftp"] if link else []))
        parent_key = out.strip().splitlines()[-1]
        if link is None:
            setup_cli("parent", "set", str(child.dir), "--url", up.url, "--parent-key", parent_key)
        else:
            setup_cli(
                "parent",
                "set",
                str(child.dir),
                "--parent-key",
                parent_key,
                "--transport",
                "sftp",
                "--host",
                "127.0.0.1",
                "--port",
                str(link.port),
                "--username",
                link.username,
                "--key-file",
                str(link.key_file),
                "--known-hosts",
                str(link.known_hosts),
                "--inbox",
                str(up.dir / "inbox" / code),
            )
    return topo


def served_city(
    backend: str,
    root: Path,
    request: Any,
    suite: str,
    extra_env: dict[str, str] | None = None,
) -> Node:
    """An initialized city node 430100 with an admin user, served on a free loopback port.

    Its PostgreSQL database is named after the suite's own one plus `suite`, so two
    suites on one server never share it.
    """
    pg_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    prefix = f"{suite}_" if pg_url else ""
    db_url = db_url_factory(backend, root, pg_url, prefix=prefix)("430100")
    node = reserved_node("430100", "长沙市", "city", root / "430100", db_url)
    init = ["init", str(node.dir), "--level", "city", "--code", "430100", "--name", "长沙市"]
    setup_cli(*init, "--db", db_url, "--port", str(node.port))
    user = ["user", "add", str(node.dir), "--username", "admin", "--role", "admin"]
    setup_cli(*user, "--password-stdin", stdin=PASSWORD + "\n")
    node.start(extra_env=extra_env)
    node.wait_ready()
    return node
