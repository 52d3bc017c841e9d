"""What a demo federation consists of, and its manifest (DIR/demo.json).

The manifest is written under a temporary name and renamed into place, and records
which cities already hold their data, so an interrupted `fedcrm demo` resumes and a
finished one is reused as it is.
"""

from __future__ import annotations

import json
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

from node.atomic_file import write_atomically
from node.demo.divisions import HQ_CODE, HQ_NAME, PROVINCES, City, choose

MANIFEST = "demo.json"
FIRST_PORT = 8100


class PlanError(Exception):
    """The demo cannot be built or reused as asked; the message says why."""


@dataclass(frozen=True)
class Params:
    provinces: int
    cities_per_province: int
    customers_per_city: int
    db_template: str | None
    seed: int
    sftp: bool = False  # the first city replicates over SFTP through the demo's sshd


@dataclass
class DemoNode:
    code: str
    name: str
    level: str
    parent: str | None
    port: int
    db_url: str
    dir: str  # relative to the demo directory

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Plan:
    params: Params
    nodes: list[DemoNode]
    generated: list[str] = field(default_factory=list)  # cities whose data is in
    ready: bool = False  # every node created, registered and linked
    sshd_port: int | None = None  # with Params.sftp

    @property
    def sftp_city(self) -> DemoNode | None:
        return self.of_level("city")[0] if self.params.sftp else None

    def node(self, code: str) -> DemoNode:
        return next(n for n in self.nodes if n.code == code)

    def of_level(self, level: str) -> list[DemoNode]:
        return [n for n in self.nodes if n.level == level]

    def children(self, code: str) -> list[DemoNode]:
        return [n for n in self.nodes if n.parent == code]


def port_is_free(port: int) -> bool:
    """Whether a server could listen on `port` now (as uvicorn binds: SO_REUSEADDR, so
    connections of a just-stopped node in TIME_WAIT do not count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_ports(count: int, first: int) -> list[int]:
    ports: list[int] = []
    port = first
    while len(ports) < count:
        if port_is_free(port):
            ports.append(port)
        port += 1
    return ports


def _db_url(root: Path, template: str | None, code: str) -> str:
    if template is None:
        return f"sqlite:///{(root / code / 'node.db').resolve()}"
    return template.replace("{code}", code)


def make_plan(root: Path, params: Params, first_port: int = FIRST_PORT) -> Plan:
    """HQ, the provinces and their cities, on free loopback ports from `first_port` up."""
    if params.customers_per_city < 1:
        raise PlanError(f"--customers-per-city must be at least 1; got {params.customers_per_city}")
    if params.db_template is not None and "{code}" not in params.db_template:
        raise PlanError(
            "--db must contain {code}, which becomes each node's code, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_demo_{code}"
        )
    try:
        layout = choose(params.provinces, params.cities_per_province)
    except ValueError as exc:
        raise PlanError(str(exc)) from None
    entries: list[tuple[str, str, str, str | None]] = [(HQ_CODE, HQ_NAME, "hq", None)]
    for province, cities in layout:
        entries.append((province.code, province.name, "province", HQ_CODE))
        entries += [(c.code, c.name, "city", province.code) for c in cities]
    ports = _free_ports(len(entries) + 1, first_port)
    nodes = [
        DemoNode(code, name, level, parent, port, _db_url(root, params.db_template, code), code)
        for (code, name, level, parent), port in zip(entries, ports[: len(entries)], strict=True)
    ]
    return Plan(params, nodes, sshd_port=ports[-1] if params.sftp else None)


def city_of(code: str) -> City:
    return next(c for p in PROVINCES for c in p.cities if c.code == code)


def save(root: Path, plan: Plan) -> None:
    body = {
        "params": asdict(plan.params),
        "nodes": [asdict(n) for n in plan.nodes],
        "generated": plan.generated,
        "ready": plan.ready,
        "sshd_port": plan.sshd_port,
    }
    write_atomically(root / MANIFEST, json.dumps(body, ensure_ascii=False, indent=2))


def load(root: Path) -> Plan | None:
    path = root / MANIFEST
    if not path.exists():
        return None
    body = json.loads(path.read_text(encoding="utf-8"))
    return Plan(
        Params(**body["params"]),
        [DemoNode(**n) for n in body["nodes"]],
        body["generated"],
        body["ready"],
        body.get("sshd_port"),
    )


def open_or_plan(root: Path, params: Params, first_port: int = FIRST_PORT) -> tuple[Plan, bool]:
    """The plan for `root`: the one it holds (reused), or a new one for an empty folder.

    Refuses a folder that holds something else, or a demo built with other options.
    """
    existing = load(root) if root.is_dir() else None
    if existing is not None:
        if existing.params != params:
            theirs, ours = asdict(existing.params), asdict(params)
            diff = ", ".join(
                f"{k} {theirs[k]!r} (asked {ours[k]!r})" for k in ours if theirs[k] != ours[k]
            )
            raise PlanError(
                f"{root} holds a demo built with other options: {diff}. "
                f"Run it with the same options, choose another --dir, or delete {root}"
            )
        return existing, True
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise PlanError(
            f"{root} exists and is not a demo directory (no {MANIFEST}): "
            "choose another --dir or an empty folder"
        )
    root.mkdir(parents=True, exist_ok=True)
    plan = make_plan(root, params, first_port)
    save(root, plan)
    return plan, False
