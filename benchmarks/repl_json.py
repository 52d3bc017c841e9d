"""Baseline (b) of the replication benchmark: a JSON-over-HTTP push written the way a user
would, city straight to HQ."""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import lookup
import replication_data as data
from repl_topology import (
    Node,
    Processes,
    discard,
    init_node,
    node_db_url,
    timed,
)
from sqlalchemy import text

from node.db.engine import make_engine
from schemas.wire import TABLES as WIRE_TABLES

JSON_CHUNK = 5000  # rows per JSON POST


# ---- (b) JSON over HTTP, written the way a user would ----------------------------------


def json_server_app(db_url: str) -> Any:
    """The hand-written receiver: POST /rows/{table} with a JSON list of row objects.

    Parses each value back by the column's type, gives the rows this node's seq (as any
    parent must) and upserts them with SQLAlchemy Core's on_conflict_do_update
    executemany, with the same newer-version condition as the product.
    """
    from fastapi import Body, FastAPI, HTTPException
    from sqlalchemy import Boolean, Date, Numeric, Uuid
    from sqlalchemy.dialects import postgresql, sqlite

    from node.customers.models import Customer
    from node.db.types import UTCDateTime
    from node.subscriptions.models import Subscription

    # make_engine: the same SQLite pragmas as a node, so only the transfer path differs.
    engine = make_engine(db_url)
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    tables = {"customers": Customer.__table__, "subscriptions": Subscription.__table__}

    def parser(column: Any) -> Callable[[Any], Any]:
        kind = column.type
        if isinstance(kind, UTCDateTime):
            return lambda v: None if v is None else datetime.fromisoformat(v)
        if isinstance(kind, Uuid):
            return lambda v: None if v is None else uuid.UUID(v)
        if isinstance(kind, Numeric):
            return lambda v: None if v is None else Decimal(v)
        if isinstance(kind, Date):
            return lambda v: None if v is None else date.fromisoformat(v)
        if isinstance(kind, Boolean):
            return lambda v: None if v is None else bool(v)
        return lambda v: v

    parsers = {name: {c.name: parser(c) for c in t.columns} for name, t in tables.items()}
    statements = {}
    for name, table in tables.items():
        stmt = insert(table)
        statements[name] = stmt.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name != "id"},
            where=(stmt.excluded.origin_version > table.c.origin_version)
            & (stmt.excluded.origin == table.c.origin),
        )
    bump = text("UPDATE counters SET value = value + :n WHERE name = 'seq' RETURNING value")
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/rows/{table}")
    def post_rows(table: str, rows: list[dict[str, Any]] = Body(...)) -> dict[str, int]:
        if table not in tables:
            raise HTTPException(404, f"unknown table {table}")
        parse = parsers[table]
        values = [{k: parse[k](v) for k, v in row.items()} for row in rows]
        if not values:
            return {"rows": 0}
        with engine.begin() as conn:
            first = conn.execute(bump, {"n": len(values)}).scalar_one() - len(values) + 1
            for offset, row in enumerate(values):
                row["seq"] = first + offset
            conn.execute(statements[table], values)
        return {"rows": len(values)}

    return app


def run_json_server(db_url: str, port: int) -> None:
    import uvicorn

    uvicorn.run(
        json_server_app(db_url), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


@dataclass
class JsonResult:
    rows: int
    seconds: float
    rows_per_s: float
    requests: int
    bytes_sent: int


def json_push(city_url: str, base: str, limit: int | None) -> JsonResult:
    """The hand-written client: SQLAlchemy reads of 5,000 rows, json.dumps, httpx POST."""
    from sqlalchemy import select

    from node.customers.models import Customer
    from node.subscriptions.models import Subscription

    engine = make_engine(city_url)
    rows = requests = sent = 0
    started = time.perf_counter()
    try:
        with (
            httpx.Client(base_url=base, timeout=600, trust_env=False) as client,
            engine.connect() as conn,
        ):
            for model in (Customer, Subscription):
                table = model.__table__
                columns = [table.c[name] for name in WIRE_TABLES[table.name].names]
                names = [c.name for c in columns]
                last, done = 0, 0
                while limit is None or done < limit:
                    size = JSON_CHUNK if limit is None else min(JSON_CHUNK, limit - done)
                    batch = conn.execute(
                        select(table.c.seq, *columns)
                        .where(table.c.seq > last, table.c.origin == data.CITY)
                        .order_by(table.c.seq)
                        .limit(size)
                    ).all()
                    if not batch:
                        break
                    last = batch[-1][0]
                    payload = [dict(zip(names, r[1:], strict=True)) for r in batch]
                    body = json.dumps(payload, default=str).encode()
                    resp = client.post(
                        f"/rows/{table.name}",
                        content=body,
                        headers={"content-type": "application/json"},
                    )
                    resp.raise_for_status()
                    rows += len(batch)
                    done += len(batch)
                    requests += 1
                    sent += len(body)
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    return JsonResult(rows, seconds, rows / seconds, requests, sent)


def run_json(
    args: argparse.Namespace, procs: Processes, run_dir: Path, city: Node, expected: dict[str, int]
) -> JsonResult:
    node = Node(
        "000000",
        "集团总部",
        "hq",
        run_dir / "json",
        lookup.free_port(),
        node_db_url(args, run_dir / "json", "json"),
    )
    with timed("fresh HQ database for the JSON baseline"):
        init_node(node)
    cmd = [
        sys.executable,
        str(Path(__file__).with_name("replication.py").resolve()),  # its --json-server mode
        "--json-server",
        node.db_url,
        "--json-port",
        str(node.port),
    ]
    proc = procs.start(cmd, node.dir / "json-server.log", lookup.node_env(PYTHONUNBUFFERED="1"))
    try:
        lookup.wait_ready(proc, node.url, args.ready_timeout, node.dir / "json-server.log")
        limit = args.json_limit or None
        with timed("(b) JSON over HTTP"):
            result = json_push(city.db_url, node.url, limit)
    finally:
        procs.stop(proc)
    want = {t: min(n, limit) if limit else n for t, n in expected.items()}
    for table, n in want.items():
        got = data.count_rows(node.db_url, table)
        if got != n:
            raise SystemExit(f"JSON baseline: HQ holds {got} {table}, expected {n}")
    if not args.keep:
        discard(node)
    return result
