"""Order-independent digests of what a node holds, per origin and table (rule 7).

digest = sum over rows of the first 8 bytes of SHA-256("id:origin_version"), mod 2^64:
equal sets give equal digests whatever the order rows were applied in, and any missing,
extra or stale row changes it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from sqlalchemy import Connection

from federation.storage import select_list
from schemas.wire import TABLE_ORDER

MASK = (1 << 64) - 1


def _row_hash(row_id: str, version: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{row_id}:{version}".encode()).digest()[:8], "big")


def table_digests(conn: Connection, table: str) -> dict[str, dict[str, int | str]]:
    """{origin: {"rows": n, "digest": hex}} for one table (tombstones included)."""
    id_expr = select_list(table, conn.dialect.name)[0].split(" AS ")[0]
    counts: dict[str, int] = defaultdict(int)
    sums: dict[str, int] = defaultdict(int)
    result = conn.exec_driver_sql(f"SELECT origin, {id_expr}, origin_version FROM {table}")
    for origin, row_id, version in result:
        counts[origin] += 1
        sums[origin] = (sums[origin] + _row_hash(row_id, version)) & MASK
    return {o: {"rows": counts[o], "digest": f"{sums[o]:016x}"} for o in counts}


def node_digests(conn: Connection) -> dict[str, dict[str, dict[str, int | str]]]:
    """{table: {origin: {rows, digest}}} for every replicated table."""
    return {table: table_digests(conn, table) for table in TABLE_ORDER}
