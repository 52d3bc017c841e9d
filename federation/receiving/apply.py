"""apply_batch: upsert a validated batch and record the checkpoint, in one transaction.

Rows are written only where the incoming origin_version is newer than the held one and
the origin matches (a sender can never take over a row it does not own), so applying
any batch any number of times, in any order, converges (DESIGN.md rule 5). Applied rows
get this node's own seq, so a province relays them upward with the same sender.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from federation.registry.models import Checkpoint
from federation.storage import to_sqlite_columns
from node.db.counters import SEQ, allocate
from node.db.types import utcnow


class OutOfOrder(Exception):
    """The batch continues from a point this node has not reached: resend from checkpoint."""

    def __init__(self, sender: str, table: str, prev_seq: int, checkpoint: int) -> None:
        super().__init__(
            f"{table} batch from {sender} continues from seq {prev_seq}, but this node holds "
            f"only up to {checkpoint}: resend from {checkpoint}"
        )
        self.checkpoint = checkpoint


_SQLITE_IN_CHUNK = 5000


@dataclass(frozen=True)
class ApplyResult:
    applied: int
    skipped_older: int
    checkpoint: int


def _upsert_sql(table: str, columns: list[str], source: str) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {source} "
        f"ON CONFLICT (id) DO UPDATE SET {updates} "
        f"WHERE excluded.origin_version > {table}.origin_version "
        f"AND excluded.origin = {table}.origin"
    )


def _apply_sqlite(session: Session, table: str, batch: pa.Table) -> None:
    columns = batch.column_names
    values = f"VALUES ({', '.join('?' for _ in columns)})"
    # Arrow -> driver tuples column-wise: far faster than Table.to_pylist (PERF_NOTES).
    pylists = [col.to_pylist() for col in to_sqlite_columns(batch)]
    rows = list(zip(*pylists, strict=True))
    conn = session.connection()
    if table != "customers":
        conn.exec_driver_sql(_upsert_sql(table, columns, values), rows)
        return
    _apply_customers_sqlite(conn, batch, columns, values, rows)


def _apply_customers_sqlite(
    conn,
    batch: pa.Table,
    columns: list[str],
    values: str,  # type: ignore[no-untyped-def]
    rows: list[tuple],
) -> None:
    """Upsert customers with the FTS triggers suspended, then index the batch at once.

    See migration 0003: five times faster than letting the triggers run per row.
    """
    seqs = batch.column("seq")
    first, last = pc.min(seqs).as_py(), pc.max(seqs).as_py()
    ids = batch.column("id").to_pylist()
    old_seq: dict[str, int] = {}
    for start in range(0, len(ids), _SQLITE_IN_CHUNK):
        chunk = ids[start : start + _SQLITE_IN_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        found = conn.exec_driver_sql(
            f"SELECT id, seq FROM customers WHERE id IN ({marks})", tuple(chunk)
        ).all()
        old_seq.update({row_id: seq for row_id, seq in found})
    conn.exec_driver_sql("INSERT INTO customer_fts_suspended (flag) VALUES (1)")
    conn.exec_driver_sql(_upsert_sql("customers", columns, values), rows)
    written = (
        conn.exec_driver_sql("SELECT id FROM customers WHERE seq BETWEEN ? AND ?", (first, last))
        .scalars()
        .all()
    )
    stale = [(old_seq[row_id],) for row_id in written if row_id in old_seq]
    if stale:
        conn.exec_driver_sql("DELETE FROM customer_fts WHERE rowid = ?", stale)
    conn.exec_driver_sql(
        "INSERT INTO customer_fts (rowid, terms) "
        "SELECT seq, search_terms FROM customers WHERE seq BETWEEN ? AND ?",
        (first, last),
    )
    conn.exec_driver_sql("DELETE FROM customer_fts_suspended")


def _apply_postgres(session: Session, table: str, batch: pa.Table) -> None:
    columns = batch.column_names
    stage = f"stage_{table}"
    conn = session.connection()
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table} INCLUDING DEFAULTS) "
        "ON COMMIT DELETE ROWS"
    )
    conn.exec_driver_sql(f"TRUNCATE {stage}")
    buffer = io.BytesIO()
    pacsv.write_csv(
        batch,
        buffer,
        write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
    )
    raw = conn.connection.driver_connection
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {stage} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        copy.write(buffer.getvalue())
    select = f"SELECT {', '.join(columns)} FROM {stage}"
    conn.exec_driver_sql(_upsert_sql(table, columns, select))


def _held(session: Session, sender: str, table: str) -> int:
    # FOR UPDATE: two deliveries of the same stream serialise here (SQLite has one writer).
    row = session.execute(
        select(Checkpoint)
        .where(Checkpoint.sender == sender, Checkpoint.table_name == table)
        .with_for_update()
    ).scalar_one_or_none()
    return row.last_seq if row else 0


def apply_batch(
    session: Session, sender: str, table: str, batch: pa.Table, prev_seq: int, seq_end: int
) -> ApplyResult:
    """Upsert `batch` (already validated and conformed) into `table` and checkpoint it.

    Refuses (OutOfOrder) a batch that would leave a hole: one that continues from a seq
    beyond what this node holds from the sender, e.g. after a lost batch.
    """
    held = _held(session, sender, table)
    if prev_seq > held:
        raise OutOfOrder(sender, table, prev_seq, held)
    n = batch.num_rows
    applied = 0
    if n:
        first = allocate(session, SEQ, n)
        seqs = pa.array(range(first, first + n), pa.int64())
        staged = batch.append_column("seq", seqs)
        if session.bind.dialect.name == "sqlite":  # type: ignore[union-attr]
            _apply_sqlite(session, table, staged)
        else:
            _apply_postgres(session, table, staged)
        applied = (
            session.connection()
            .execute(
                text(f"SELECT count(*) FROM {table} WHERE seq BETWEEN :a AND :b"),
                {"a": first, "b": first + n - 1},
            )
            .scalar_one()
        )
    checkpoint = _record_checkpoint(session, sender, table, batch, seq_end, applied)
    return ApplyResult(applied=applied, skipped_older=n - applied, checkpoint=checkpoint)


def _record_checkpoint(
    session: Session, sender: str, table: str, batch: pa.Table, seq_end: int, applied: int
) -> int:
    row = session.get(Checkpoint, (sender, table))
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
    if batch.num_rows:
        newest = pc.max(batch.column("updated_at")).as_py()
        if row.newest_change_at is None or newest > row.newest_change_at:
            row.newest_change_at = newest
    session.flush()
    return row.last_seq
