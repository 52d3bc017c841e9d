"""Write a batch into PostgreSQL: COPY into a temporary staging table, then one upsert.

Why this shape: COPY into a stage plus one INSERT .. ON CONFLICT was the fastest bulk
path measured (docs/performance.md, "PostgreSQL apply"); executemany and unnest()
binds were 1.5-4x slower. The CSV is written by Arrow's C++ writer, so no row becomes
Python objects on the way. The upsert's condition is newer_wins.py's.
"""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection

from federation.receiving.newer_wins import upsert_from
from node.db.engine import driver_connection

_CSV = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")


def write_postgres(conn: Connection, table: str, staged: pa.Table) -> None:
    """Upsert `staged` (wire rows plus this node's seq) into `table`, inside the caller's
    transaction."""
    stage = _copy_into_stage(conn, table, staged)
    conn.exec_driver_sql(upsert_from(table, staged.column_names, stage))


def _copy_into_stage(conn: Connection, table: str, staged: pa.Table) -> str:
    """The stage is LIKE the table, so PostgreSQL parses the hex ids into uuid on COPY;
    ON COMMIT DELETE ROWS and the TRUNCATE leave it empty for the next batch."""
    stage = f"stage_{table}"
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table} INCLUDING DEFAULTS) "
        "ON COMMIT DELETE ROWS"
    )
    conn.exec_driver_sql(f"TRUNCATE {stage}")
    buffer = io.BytesIO()
    pacsv.write_csv(staged, buffer, write_options=_CSV)
    raw = driver_connection(conn)
    columns = ", ".join(staged.column_names)
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {stage} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        copy.write(buffer.getvalue())
    return stage
