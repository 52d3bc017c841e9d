"""apply_incoming: write a checked batch and record the sender's checkpoint, in one
transaction (docs/federation.md rules 5 and 6).

This module holds what is the same on both databases: the checkpoint row locked and
compared (a batch past a hole is refused), this node's own seqs allocated (so a
province relays what it applies with the same sender), the count of rows written and
the checkpoint moved. The write itself is the database's own fastest safe bulk path,
chosen by dialect: apply_postgres.py or apply_sqlite.py, siblings that share only the
newer-wins rule (newer_wins.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from federation.receiving.apply_postgres import write_postgres
from federation.receiving.apply_sqlite import write_sqlite
from federation.registry.models import Checkpoint
from node.db.counters import SEQ, allocate
from node.db.types import utcnow
from node.db.unit_of_work import Database

# Upsert a batch (wire rows plus this node's seq) into a table, in the open transaction.
_WRITERS: dict[str, Callable[[Connection, str, pa.Table], None]] = {
    "postgresql": write_postgres,
    "sqlite": write_sqlite,
}


class OutOfOrder(Exception):
    """The batch continues from a point this node has not reached: resend from checkpoint."""

    def __init__(self, sender: str, table: str, prev_seq: int, checkpoint: int) -> None:
        super().__init__(
            f"{table} batch from {sender} continues from seq {prev_seq}, but this node holds "
            f"only up to {checkpoint}: resend from {checkpoint}"
        )
        self.checkpoint = checkpoint


class ApplyConflict(Exception):
    """The batch breaks a constraint of rows held here (e.g. a duplicate customer number)."""


@dataclass(frozen=True)
class ApplyResult:
    applied: int
    skipped_older: int
    checkpoint: int
    # The batch with this node's seq column when every row of it was written, so each
    # row now sits at exactly that seq (what a province's sender would read back).
    written: pa.Table | None = field(default=None, compare=False, repr=False)


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


def with_seq(batch: pa.Table, first: int) -> pa.Table:
    """The batch with this node's own seq appended: a province relays what it applies."""
    seqs = pa.array(range(first, first + batch.num_rows), pa.int64())
    return batch.append_column("seq", seqs)


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
        _WRITERS[conn.dialect.name](conn, table, staged)
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
    newest = _newest_change(batch)
    if newest is not None and (row.newest_change_at is None or newest > row.newest_change_at):
        row.newest_change_at = newest
    session.flush()
    return row.last_seq


def _newest_change(batch: pa.Table) -> datetime | None:
    """The newest updated_at in the batch (what the lag metric measures from), or None."""
    return pc.max(batch.column("updated_at")).as_py() if batch.num_rows else None
