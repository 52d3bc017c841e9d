"""What every apply path shares: the upsert rule, its result and the out-of-order refusal.

Rows are written only where the incoming origin_version is newer than the held one and
the origin matches (a sender can never take over a row it does not own), so applying
any batch any number of times, in any order, converges (docs/federation.md rule 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc


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


def upsert_sql(
    table: str, columns: list[str], source: str, insert_only: tuple[str, ...] = ()
) -> str:
    """INSERT .. ON CONFLICT that only ever moves a row forward, and only for its origin.

    `insert_only` columns are set when a row is inserted and kept by every update."""
    kept = {"id", *insert_only}
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in kept)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {source} "
        f"ON CONFLICT (id) DO UPDATE SET {updates} "
        f"WHERE excluded.origin = {table}.origin "
        f"AND excluded.origin_version > {table}.origin_version"
    )


def upsert_from(table: str, columns: list[str], source: str, exprs: list[str] | None = None) -> str:
    """The upsert of `columns` read (as `exprs`, default the columns) FROM `source`.

    A new customer also gets its search key: the seq it arrives with, kept for life
    (node.customers.models), which both databases' search indexes are keyed by."""
    exprs = exprs or list(columns)
    insert_only: tuple[str, ...] = ()
    if table == "customers":
        columns, exprs, insert_only = [*columns, "search_key"], [*exprs, "seq"], ("search_key",)
    select = f"SELECT {', '.join(exprs)} FROM {source}"
    return upsert_sql(table, columns, select, insert_only=insert_only)


def with_seq(batch: pa.Table, first: int) -> pa.Table:
    """The batch with this node's own seq appended: a province relays what it applies."""
    seqs = pa.array(range(first, first + batch.num_rows), pa.int64())
    return batch.append_column("seq", seqs)


def newest_change(batch: pa.Table) -> datetime | None:
    """The newest updated_at in the batch (what the lag metric measures from), or None."""
    return pc.max(batch.column("updated_at")).as_py() if batch.num_rows else None
