"""An in-memory scratch database on every SQLite connection, moved whole to and from Arrow.

Why: binding Arrow rows one by one through the sqlite3 module costs more than the
upsert itself, while one INSERT .. SELECT from a table SQLite already holds runs at C
speed (docs/performance.md, and benchmarks/replication.py measured it 2-3x faster on the
customers table). The ADBC driver turns an Arrow table into an SQLite file quickly, but
it links its own copy of SQLite, and two copies must never open the same file (their
POSIX locks would cancel each other out: sqlite.org/howtocorrupt.html 2.2.1). So ADBC
writes a private temporary file that nothing else opens, and the node's own connection
takes the file's bytes with `deserialize` into its scratch schema, not by opening it.
Reading goes the other way: one CREATE TABLE .. AS SELECT into the scratch schema,
`serialize`, and ADBC reads the private file as Arrow (2x faster than fetching rows).
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # every engine imports this module: keep pyarrow off CLI start-up
    import pyarrow as pa

SCRATCH = "scratch"
_LOADED = "fedcrm_scratch_loaded"


def _empty_image() -> bytes:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE TABLE empty (x)")
        conn.execute("DROP TABLE empty")
        return conn.serialize()
    finally:
        conn.close()


_EMPTY = _empty_image()


def attach_scratch(dbapi_conn: sqlite3.Connection) -> None:
    """Give a new connection its (empty) scratch schema."""
    dbapi_conn.execute(f"ATTACH ':memory:' AS {SCRATCH}")


def arrow_image(tables: dict[str, pa.Table]) -> bytes:
    """The bytes of an SQLite database holding `tables`, columns typed from Arrow."""
    import adbc_driver_sqlite.dbapi as adbc

    with tempfile.TemporaryDirectory(prefix="fedcrm-scratch-") as folder:
        path = Path(folder) / "image.db"
        with adbc.connect(str(path), autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("PRAGMA journal_mode = OFF")  # a throw-away file: no journal
            cur.execute("PRAGMA synchronous = OFF")
            for name, table in tables.items():
                cur.adbc_ingest(name, table, mode="create")
        return path.read_bytes()


def image_table(image: bytes, table: str, rows: int) -> pa.Table:
    """Read `table` of an SQLite image (from `serialize`) as Arrow, in one batch of up to
    `rows` rows, so the driver infers each column's type from every value, not the first
    1,024 (a column NULL in its first rows would otherwise come back as int64)."""
    import adbc_driver_sqlite.dbapi as adbc
    from adbc_driver_sqlite import StatementOptions

    with tempfile.TemporaryDirectory(prefix="fedcrm-scratch-") as folder:
        path = Path(folder) / "image.db"
        path.write_bytes(image)
        with adbc.connect(str(path)) as conn, conn.cursor() as cur:
            cur.adbc_statement.set_options(**{StatementOptions.BATCH_ROWS.value: str(rows)})
            cur.execute(f"SELECT * FROM {table}")
            return cur.fetch_arrow_table()


def load_scratch(dbapi_conn: sqlite3.Connection, info: dict[str, Any], image: bytes) -> None:
    """Replace the connection's scratch schema with `image` (allowed inside a transaction
    as long as the scratch schema was not used in it yet)."""
    dbapi_conn.deserialize(image, name=SCRATCH)
    info[_LOADED] = True


def clear_scratch(dbapi_conn: sqlite3.Connection, info: dict[str, Any]) -> None:
    """Free what a bulk path left in the scratch schema (called when the pool takes the
    connection back, after its transaction ended)."""
    if info.pop(_LOADED, False):
        dbapi_conn.deserialize(_EMPTY, name=SCRATCH)
