"""Read a node's changes after a watermark, in seq order, as wire-schema Arrow tables.

Gap-free by construction (docs/federation.md rule 2): a writer holds the seq counter row from
its first change to its commit, so every seq visible to this read is below every seq
that is still uncommitted. Reading up to the highest visible seq never skips a change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from federation.batches.codec import split
from federation.storage import rows_to_table, select_list, sqlite_arrow_to_wire
from node.db.engine import driver_connection
from node.db.scratch import SCRATCH, image_table

log = logging.getLogger("fedcrm.federation.capture")
# Below this many waiting rows the fixed cost of the image path (a temporary file, an
# ADBC connection: ~0.1 s) outweighs what it saves (about 9 microseconds a row).
FAST_READ_MIN_ROWS = 5000


@dataclass(frozen=True)
class Changes:
    table: str
    rows: pa.Table
    seqs: pa.Array
    after: int  # the watermark these changes were read after

    @property
    def seq_start(self) -> int:
        return int(self.seqs[0].as_py())

    @property
    def seq_end(self) -> int:
        return int(self.seqs[-1].as_py())

    def pieces(self, max_rows: int, max_bytes: int) -> list[Changes]:
        """Split into batches bounded by rows and (uncompressed) bytes."""
        out, start, after = [], 0, self.after
        for piece in split(self.rows, max_rows, max_bytes):
            seqs = self.seqs.slice(start, piece.num_rows)
            out.append(Changes(self.table, piece, seqs, after))
            start += piece.num_rows
            after = int(seqs[-1].as_py())
        return out


def read_changes(
    conn: Connection, table: str, after_seq: int, limit: int, origins: str | None = None
) -> Changes | None:
    """Up to `limit` rows of `table` with seq > after_seq, oldest change first; with
    `origins` (a SQL condition from federation.registry.topology), only the rows it
    holds for: upward a node's own subtree, downward its own and its ancestors' rows
    (docs/federation.md rule 11). The rows left out are passed over, not waited for."""
    where = _after(after_seq, origins)
    if _image_read_fits(conn, table, where):
        try:
            return _read_sqlite_image(conn, table, after_seq, where, limit)
        except Exception as exc:  # any failure: the reference path below
            # E.g. values the fast path cannot type (a text in an integer column that an
            # old bug left): the row-by-row read handles anything the driver holds.
            log.warning("fast read of %s failed (%s); reading row by row", table, exc)
    return _read_rows(conn, table, after_seq, where, limit)


def _after(after_seq: int, origins: str | None) -> str:
    """The WHERE clause of a read: both parts are values this node holds, not input."""
    return f"seq > {int(after_seq)}" + (f" AND {origins}" if origins else "")


def _image_read_fits(conn: Connection, table: str, where: str) -> bool:
    """SQLite, no transaction open on the connection (the copy into the scratch schema
    must commit before `serialize` sees it), and a backlog worth the fixed cost."""
    if conn.dialect.name != "sqlite" or conn.in_transaction():
        return False
    driver = driver_connection(conn)
    if driver.in_transaction:
        return False
    found = driver.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT {FAST_READ_MIN_ROWS})"
    ).fetchone()[0]
    return found >= FAST_READ_MIN_ROWS


def _read_sqlite_image(
    conn: Connection, table: str, after_seq: int, where: str, limit: int
) -> Changes | None:
    """The same read through the connection's scratch schema and ADBC (node.db.scratch).

    One statement copies the rows, so what it sees is one consistent snapshot, exactly
    like the SELECT of the row-by-row path. It runs outside any transaction, so the copy
    is committed in the scratch schema when `serialize` takes it (a scratch schema that
    a bulk apply once deserialized into serializes only committed pages).
    """
    columns = ", ".join(["seq", *select_list(table, "sqlite")])
    driver = driver_connection(conn)
    driver.execute(f"DROP TABLE IF EXISTS {SCRATCH}.changes")
    driver.execute(
        f"CREATE TABLE {SCRATCH}.changes AS SELECT {columns} FROM main.{table} "
        f"WHERE {where} ORDER BY seq LIMIT {int(limit)}"
    )
    try:
        image = driver.serialize(name=SCRATCH)
    finally:
        driver.execute(f"DROP TABLE {SCRATCH}.changes")
    stored = image_table(image, "changes", limit)
    if stored.num_rows == 0:
        return None
    seqs = pc.cast(stored.column("seq"), pa.int64()).combine_chunks()
    rows = sqlite_arrow_to_wire(table, stored)
    return Changes(table=table, rows=rows, seqs=seqs, after=after_seq)


def _read_rows(
    conn: Connection, table: str, after_seq: int, where: str, limit: int
) -> Changes | None:
    dialect = conn.dialect.name
    columns = ", ".join(["seq", *select_list(table, dialect)])
    # Both values are integers we hold, so they are written into the SQL; the raw driver
    # cursor skips SQLAlchemy's per-row processing, which doubled the read time.
    sql = f"SELECT {columns} FROM {table} WHERE {where} ORDER BY seq LIMIT {int(limit)}"
    cursor = driver_connection(conn).cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return None
    by_column = list(zip(*rows, strict=True))
    seqs = pa.array(by_column[0], pa.int64())
    return Changes(
        table=table, rows=rows_to_table(table, by_column[1:], dialect), seqs=seqs, after=after_seq
    )


def backlog(conn: Connection, table: str, after_seq: int, origins: str | None = None) -> int:
    """How many rows of `table` (of `origins`, see read_changes) changed after the
    acknowledged seq."""
    where = _after(after_seq, origins)
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table} WHERE {where}").scalar_one())
