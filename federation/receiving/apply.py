"""apply_incoming: upsert a validated batch and record the checkpoint, in one transaction.

The upsert rule (upsert.py) makes applying any batch any number of times, in any order,
converge (docs/federation.md rule 5). Applied rows get this node's own seq, so a province relays
them upward with the same sender. Each database gets its fastest safe bulk path:
SQLite one executemany upsert with the search index filled at once (apply_sqlite.py);
PostgreSQL COPY into a staging table and one upsert from it (below).
"""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from federation.receiving.apply_sqlite import upsert_sqlite
from federation.receiving.upsert import (
    ApplyConflict,
    ApplyResult,
    OutOfOrder,
    newest_change,
    upsert_from,
    with_seq,
)
from federation.registry.models import Checkpoint
from node.db.counters import SEQ, allocate
from node.db.engine import driver_connection
from node.db.types import utcnow
from node.db.unit_of_work import Database

__all__ = ["ApplyConflict", "ApplyResult", "OutOfOrder", "apply_incoming"]


def apply_incoming(
    db: Database, sender: str, table: str, batch: pa.Table, prev_seq: int, seq_end: int
) -> ApplyResult:
    """Apply `batch` (already validated and conformed) to `table` in its own transaction.

    Refuses (OutOfOrder) a batch that would leave a hole: one that continues from a seq
    beyond what this node holds from the sender, e.g. after a lost batch. Raises
    ApplyConflict when a row breaks a constraint. Either way nothing is written.
    """
    try:
        with db.unit_of_work() as session:
            return _apply(session, sender, table, batch, prev_seq, seq_end)
    except IntegrityError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise ApplyConflict(reason) from None


def _copy_into_stage(session: Session, table: str, staged: pa.Table) -> str:
    stage = f"stage_{table}"
    conn = session.connection()
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table} INCLUDING DEFAULTS) "
        "ON COMMIT DELETE ROWS"
    )
    conn.exec_driver_sql(f"TRUNCATE {stage}")
    buffer = io.BytesIO()
    pacsv.write_csv(
        staged,
        buffer,
        write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
    )
    raw = driver_connection(conn)
    columns = ", ".join(staged.column_names)
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {stage} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        copy.write(buffer.getvalue())
    return stage


def _apply(
    session: Session, sender: str, table: str, batch: pa.Table, prev_seq: int, seq_end: int
) -> ApplyResult:
    # FOR UPDATE: two deliveries of the same stream serialise here (SQLite: one writer).
    row = session.execute(
        select(Checkpoint)
        .where(Checkpoint.sender == sender, Checkpoint.table_name == table)
        .with_for_update()
    ).scalar_one_or_none()
    held = row.last_seq if row else 0
    if prev_seq > held:
        raise OutOfOrder(sender, table, prev_seq, held)
    n = batch.num_rows
    applied, staged = 0, None
    if n:
        first = allocate(session, SEQ, n)
        staged = with_seq(batch, first)
        conn = session.connection()
        if conn.dialect.name == "sqlite":
            upsert_sqlite(conn, table, staged)
        else:
            stage = _copy_into_stage(session, table, staged)
            conn.exec_driver_sql(upsert_from(table, staged.column_names, stage))
        applied = conn.exec_driver_sql(
            f"SELECT count(*) FROM {table} WHERE seq BETWEEN {first} AND {first + n - 1}"
        ).scalar_one()
    checkpoint = _record_checkpoint(session, row, sender, table, batch, seq_end, applied)
    written = staged if n and applied == n else None
    return ApplyResult(applied, n - applied, checkpoint, written)


def _record_checkpoint(
    session: Session,
    row: Checkpoint | None,
    sender: str,
    table: str,
    batch: pa.Table,
    seq_end: int,
    applied: int,
) -> int:
    if row is None:
        row = Checkpoint(
            sender=sender,
            table_name=table,
            last_seq=0,
            rows_applied=0,
            rows_received=0,
            batches_applied=0,
        )
        session.add(row)
    # max(): an old batch replayed after a newer one never moves the checkpoint back.
    row.last_seq = max(row.last_seq, seq_end)
    row.rows_applied += applied
    row.rows_received += batch.num_rows
    row.batches_applied += 1
    row.last_batch_at = utcnow()
    newest = newest_change(batch)
    if newest is not None and (row.newest_change_at is None or newest > row.newest_change_at):
        row.newest_change_at = newest
    session.flush()
    return row.last_seq
