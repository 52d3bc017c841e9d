"""Read a node's changes after a watermark, in seq order, as wire-schema Arrow tables.

Gap-free by construction (DESIGN.md rule 2): a writer holds the seq counter row from
its first change to its commit, so every seq visible to this read is below every seq
that is still uncommitted. Reading up to the highest visible seq never skips a change.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy import Connection

from federation.batches.codec import split
from federation.storage import rows_to_table, select_list


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


def read_changes(conn: Connection, table: str, after_seq: int, limit: int) -> Changes | None:
    """Up to `limit` rows of `table` with seq > after_seq, oldest change first."""
    dialect = conn.dialect.name
    columns = ", ".join(["seq", *select_list(table, dialect)])
    # Both values are integers we hold, so they are written into the SQL; the raw driver
    # cursor skips SQLAlchemy's per-row processing, which doubled the read time.
    sql = (
        f"SELECT {columns} FROM {table} WHERE seq > {int(after_seq)} "
        f"ORDER BY seq LIMIT {int(limit)}"
    )
    cursor = conn.connection.driver_connection.cursor()
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


def backlog(conn: Connection, table: str, after_seq: int) -> int:
    """How many rows of `table` changed after the acknowledged seq."""
    return int(
        conn.exec_driver_sql(
            f"SELECT count(*) FROM {table} WHERE seq > %(a)s"
            if conn.dialect.name == "postgresql"
            else f"SELECT count(*) FROM {table} WHERE seq > ?",
            {"a": after_seq} if conn.dialect.name == "postgresql" else (after_seq,),
        ).scalar_one()
    )
