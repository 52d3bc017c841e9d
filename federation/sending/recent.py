"""RecentlyApplied: the batches a node just applied from its children, kept in memory for
its own sender, so a province relays them without reading them back from its database.

Why: the read-back (copy, serialize, ADBC read, casts) cost a province about 11 s of CPU
for 1M customers and 2M subscriptions, on a machine whose two cores are both busy
applying; the rows are already in memory in wire form.

When an entry stands in for a read: an apply that wrote every row of its batch put them
at one contiguous run of this node's seqs, [first, last], and a row version at a seq
never changes (any later change moves the row to a new seq). So if the table's first
seq after the sender's watermark is `first`, the entry is what the read would return
for that run, except rows changed again since, whose older version it still holds;
sending that version is harmless, since the parent keeps the newer one, which follows
at its own seq (docs/federation.md rule 5). Anything else (an entry evicted, a partly skipped
batch, a local write in between) falls back to the read.
"""

from __future__ import annotations

import threading

import pyarrow as pa
from sqlalchemy import Connection

from federation.sending.capture import Changes

MAX_BYTES = 256 << 20  # a province's parent far behind: older entries go, reads take over


class RecentlyApplied:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: dict[str, list[Changes]] = {}  # per table, oldest first
        self._lock = threading.Lock()
        self.hits = 0

    def put(self, table: str, written: pa.Table) -> None:
        """Keep `written` (wire rows plus this node's `seq` column, every row written at
        its seq, committed) for the sender."""
        if written.num_rows == 0:
            return
        seq_at = written.schema.get_field_index("seq")
        seqs = written.column(seq_at).combine_chunks()
        entry = Changes(table, written.remove_column(seq_at), seqs, after=-1)
        with self._lock:
            entries = self._entries.setdefault(table, [])
            entries.append(entry)
            entries.sort(key=lambda e: e.seq_start)
            self._evict()

    def take(self, conn: Connection, table: str, after: int) -> Changes | None:
        """The changes of `table` right after the watermark `after`, if an entry holds
        exactly them; None means: read them from the database."""
        with self._lock:
            entries = self._entries.get(table, [])
            entries[:] = [e for e in entries if e.seq_end > after]  # acknowledged: done with
            entry = next((e for e in entries if e.seq_start > after), None)
        if entry is None:
            return None
        following = conn.exec_driver_sql(
            f"SELECT min(seq) FROM {table} WHERE seq > {int(after)}"
        ).scalar_one()
        conn.rollback()  # no transaction left open: SQLite's fast read needs none
        if following != entry.seq_start:
            return None
        self.hits += 1
        return Changes(table=table, rows=entry.rows, seqs=entry.seqs, after=after)

    def _evict(self) -> None:
        total = sum(e.rows.nbytes for es in self._entries.values() for e in es)
        while total > self.max_bytes:
            held = (es for es in self._entries.values() if es)
            oldest = min(held, key=lambda es: es[0].seq_start)
            total -= oldest.pop(0).rows.nbytes
