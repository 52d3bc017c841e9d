"""Write a batch into SQLite: the batch loaded whole into the connection's scratch schema,
then set statements: an UPDATE for rows whose indexed values stay, one INSERT .. SELECT
upsert for the rest, and three for the search index (customers only).

Why not ADBC straight into the node's file, which binds Arrow in C: its driver links its
own copy of SQLite, and two copies of SQLite in one process must not open the same file
(sqlite.org/howtocorrupt.html, 2.2.1; writing through ADBC while the API's sqlite3
connections were open corrupted the database in the property test). node.db.scratch
lets ADBC build a private image that the node's own connection deserializes instead.
Measured against binding Python tuples with executemany: see README "Replication".
"""

from __future__ import annotations

import re

import pyarrow as pa
from sqlalchemy import Connection

from federation.receiving.newer_wins import newer_than_held, upsert_from
from federation.storage import to_sqlite_columns
from node.db.engine import driver_connection
from node.db.scratch import SCRATCH, arrow_image, load_scratch

_BATCH = f"{SCRATCH}.batch"


def write_sqlite(conn: Connection, table: str, staged: pa.Table) -> None:
    """Upsert `staged` (wire rows plus this node's seq) into `table`, inside the caller's
    transaction."""
    columns = staged.column_names
    stored = pa.Table.from_arrays(to_sqlite_columns(staged), names=columns)
    pooled = conn.connection
    load_scratch(driver_connection(conn), pooled.info, arrow_image({"batch": stored}))
    # WHERE true: without it SQLite would read ON CONFLICT as part of the SELECT's join.
    sql = upsert_from(table, columns, f"{_BATCH} WHERE true")
    if table != "customers":
        _apply_statements(conn, table, columns, sql)
        return
    _upsert_customers(conn, columns, sql)


def _apply_statements(conn: Connection, table: str, columns: list[str], upsert: str) -> None:
    """First the rows whose indexed values stay the same, by an UPDATE that leaves those
    indexes alone; then the upsert, which the first step's rows now fail as not newer.

    Why: an upsert's DO UPDATE sets every column, so SQLite rewrites every index entry of
    the row; for a typical edit (a note, a status date) only the seq index changes.
    Measured at 1M customers: 27 against 120 microseconds a row (README "Replication").
    """
    conn.exec_driver_sql(_narrow_update_sql(conn, table, columns))
    conn.exec_driver_sql(upsert)


def _narrow_update_sql(conn: Connection, table: str, columns: list[str]) -> str:
    indexed = _indexed_columns(conn, table)
    free = [c for c in columns if c not in indexed or c == "seq"]
    # origin is indexed too, but newer_than_held already compares it.
    same = [c for c in columns if c in indexed and c not in ("id", "seq", "origin")]
    sets = ", ".join(f"{c} = b.{c}" for c in free)
    where = [
        f"b.id = {table}.id",
        newer_than_held("b", table),
        *(f"b.{c} IS {table}.{c}" for c in same),
    ]
    return f"UPDATE {table} SET {sets} FROM {_BATCH} AS b WHERE {' AND '.join(where)}"


_INDEXED: dict[str, frozenset[str]] = {}


def _indexed_columns(conn: Connection, table: str) -> frozenset[str]:
    """Every column some index of `table` reads, expression indexes included (their SQL
    is searched for the column names), as SQLite itself describes the schema. Cached per
    process: a running node's schema does not change under it."""
    if table not in _INDEXED:
        names = [r[1] for r in conn.exec_driver_sql(f"PRAGMA main.table_info({table})")]
        found: set[str] = set()
        for index_name, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = ?",
            (table,),
        ).all():
            info = conn.exec_driver_sql(f"PRAGMA main.index_info('{index_name}')").all()
            found.update(r[2] for r in info if r[2] is not None)
            if sql:
                found.update(n for n in names if re.search(rf"\b{n}\b", sql))
        _INDEXED[table] = frozenset(found | {"id"})
    return _INDEXED[table]


# A connection's own temp table, not the scratch schema: a table created there once is
# still in SQLite's cached schema after the next deserialize, and creating it again fails.
_REINDEX = "temp.customer_reindex"


def _upsert_customers(conn: Connection, columns: list[str], sql: str) -> None:
    """Upsert with the FTS triggers suspended, then index what needs it at once.

    See migration 0003: five times faster than letting the triggers run per row. Only
    new customers and those whose search terms change need index rows (migration 0005:
    the index is keyed by search_key, which an edit keeps); they are listed before the
    upsert, with the upsert's own condition, while the held terms can still be compared.
    """
    conn.exec_driver_sql("INSERT INTO customer_fts_suspended (flag) VALUES (1)")
    conn.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS customer_reindex "
        "(search_key INTEGER NOT NULL, terms TEXT, held INTEGER)"
    )
    conn.exec_driver_sql(f"DELETE FROM {_REINDEX}")
    conn.exec_driver_sql(
        f"INSERT INTO {_REINDEX} (search_key, terms, held) "
        "SELECT coalesce(c.search_key, b.seq), b.search_terms, c.search_key "
        f"FROM {_BATCH} AS b LEFT JOIN customers AS c ON c.id = b.id "
        f"WHERE c.id IS NULL OR ({newer_than_held('b', 'c')} "
        "AND b.search_terms IS NOT c.search_terms)"
    )
    conn.exec_driver_sql(
        "DELETE FROM customer_fts WHERE rowid IN "
        f"(SELECT held FROM {_REINDEX} WHERE held IS NOT NULL)"
    )
    _apply_statements(conn, "customers", columns, sql)
    conn.exec_driver_sql(
        f"INSERT INTO customer_fts (rowid, terms) SELECT search_key, terms FROM {_REINDEX}"
    )
    conn.exec_driver_sql("DELETE FROM customer_fts_suspended")
    conn.exec_driver_sql(f"DELETE FROM {_REINDEX}")
