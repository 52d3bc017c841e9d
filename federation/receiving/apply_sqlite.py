"""Apply a batch to SQLite: the batch loaded whole into the connection's scratch schema,
then one INSERT .. SELECT upsert, the search index kept by two set statements.

Why not ADBC straight into the node's file, which binds Arrow in C: its driver links its
own copy of SQLite, and two copies of SQLite in one process must not open the same file
(sqlite.org/howtocorrupt.html, 2.2.1; writing through ADBC while the API's sqlite3
connections were open corrupted the database in the property test). node.db.scratch
lets ADBC build a private image that the node's own connection deserializes instead.
Measured against binding Python tuples with executemany: see README "Replication".
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from federation.receiving.upsert import upsert_sql
from federation.storage import to_sqlite_columns
from node.db.scratch import SCRATCH, arrow_image, load_scratch

_BATCH = f"{SCRATCH}.batch"


def upsert_sqlite(conn: Connection, table: str, staged: pa.Table) -> None:
    """Upsert `staged` (wire rows plus this node's seq) into `table`."""
    columns = staged.column_names
    stored = pa.Table.from_arrays(to_sqlite_columns(staged), names=columns)
    pooled = conn.connection
    load_scratch(pooled.driver_connection, pooled.info, arrow_image({"batch": stored}))
    # WHERE true: without it SQLite would read ON CONFLICT as part of the SELECT's join.
    source = f"SELECT {', '.join(columns)} FROM {_BATCH} WHERE true"
    sql = upsert_sql(table, columns, source)
    if table != "customers":
        conn.exec_driver_sql(sql)
        return
    _upsert_customers(conn, staged, sql)


def _upsert_customers(conn: Connection, staged: pa.Table, sql: str) -> None:
    """Upsert with the FTS triggers suspended, then index the written rows at once.

    See migration 0003: five times faster than letting the triggers run per row. The
    index rows of the customers this batch overwrites are found by their old seq, before
    the upsert gives them new ones; the condition is the upsert's own.
    """
    seqs = staged.column("seq")
    first, last = pc.min(seqs).as_py(), pc.max(seqs).as_py()
    conn.exec_driver_sql("INSERT INTO customer_fts_suspended (flag) VALUES (1)")
    conn.exec_driver_sql(
        "DELETE FROM customer_fts WHERE rowid IN ("
        f"SELECT c.seq FROM {_BATCH} AS b JOIN customers AS c ON c.id = b.id "
        "WHERE b.origin = c.origin AND b.origin_version > c.origin_version)"
    )
    conn.exec_driver_sql(sql)
    conn.exec_driver_sql(
        "INSERT INTO customer_fts (rowid, terms) "
        "SELECT seq, search_terms FROM customers WHERE seq BETWEEN ? AND ?",
        (first, last),
    )
    conn.exec_driver_sql("DELETE FROM customer_fts_suspended")
