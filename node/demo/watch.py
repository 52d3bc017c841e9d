"""Following replication up to HQ, proving it with `verify`, and reading HQ's figures."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import column, func, select, table

from federation.entry import node_signer, save_result, verify_children
from node.db.unit_of_work import Database
from node.demo.plan import DemoNode, Plan
from node.settings import load_settings
from schemas.wire import TABLE_ORDER


def open_database(root: Path, node: DemoNode) -> Database:
    return Database(load_settings(root / node.dir).database_url, node.code)


def row_counts(db: Database, origin: str | None = None) -> dict[str, int]:
    """Replicated rows per table (tombstones included: they replicate too)."""
    counts = {}
    with db.engine.connect() as conn:
        for name in TABLE_ORDER:
            rows = table(name, column("origin"))
            stmt = select(func.count()).select_from(rows)
            if origin is not None:
                stmt = stmt.where(rows.c.origin == origin)
            counts[name] = conn.execute(stmt).scalar_one()
    return counts


def wait_for_hq(
    root: Path,
    plan: Plan,
    report: Callable[[int, int], None],
    timeout: float = 1800,
) -> None:
    """Poll HQ until it holds every row of every node.

    `report(held, expected)` is called after each poll, for the progress bar.
    """
    expected = 0
    for node in plan.nodes:
        db = open_database(root, node)
        try:
            expected += sum(row_counts(db, node.code).values())
        finally:
            db.dispose()
    hq = open_database(root, plan.node("000000"))
    started = time.monotonic()
    try:
        while True:
            held = sum(row_counts(hq).values())
            report(held, expected)
            if held >= expected:
                return
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"HQ holds {held:,} of {expected:,} rows after {timeout:.0f} s")
            time.sleep(0.5)
    finally:
        hq.dispose()


@dataclass
class Verification:
    node: DemoNode
    tables_checked: int
    divergences: list[str]

    @property
    def ok(self) -> bool:
        return not self.divergences


def verify_parents(root: Path, plan: Plan) -> list[Verification]:
    """`fedcrm verify` at every province and at HQ: each against its children."""
    results = []
    for node in plan.of_level("province") + plan.of_level("hq"):
        db = open_database(root, node)
        try:
            signer = node_signer(load_settings(root / node.dir))
            rows, problems = verify_children(db, signer)
        finally:
            db.dispose()
        save_result(root / node.dir, rows, problems)
        bad = [
            f"{r.child} {r.table} origin {r.origin}: {r.parent_rows} here, {r.child_rows} there"
            for r in rows
            if not r.match
        ]
        results.append(Verification(node, len(rows), bad + problems))
    return results


@contextmanager
def login(node: DemoNode, password: str) -> Iterator[httpx.Client]:
    """An API client for `node`, logged in as its admin (closed at the end)."""
    with httpx.Client(base_url=node.url, timeout=30) as client:
        resp = client.post("/api/v1/auth/login", json={"username": "admin", "password": password})
        resp.raise_for_status()
        client.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
        yield client


def refresh_rollups(client: httpx.Client, timeout: float = 300) -> None:
    """Have the node recompute its rollups now; wait until a run covers every change.

    The node's own scheduler may be running one already (then ours is refused as
    concurrent): asking again until nothing is pending covers both cases.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client.post("/api/v1/rollups/refresh").raise_for_status()
        for _ in range(20):
            time.sleep(0.5)
            state = client.get("/api/v1/rollups/status").json()
            if state["last_run"] is not None and not state["pending_changes"]:
                return
    raise TimeoutError(f"the rollup at {client.base_url} did not finish in {timeout:.0f} s")


def figures(client: httpx.Client, name: str, group_by: str = "total") -> dict:
    resp = client.get(f"/api/v1/rollups/{name}", params={"group_by": group_by})
    resp.raise_for_status()
    return resp.json()
