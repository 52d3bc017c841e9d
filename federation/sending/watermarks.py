"""What the parent has acknowledged per table, held in memory and saved in one write.

Why not write OutboxState after every acknowledged batch: on SQLite every write by the
sender is a second writer beside the receiver, so at a province it waits for the lock an
apply holds, and it makes the receiver's connection throw away its page cache (another
connection changed the file). The parent's checkpoint is the truth anyway (every cycle
resumes from it), so the saved row only feeds `fedcrm status`: it is written at the end
of a table's send, and during a long send at most every SAVE_EVERY seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select, text

from federation.registry.models import OutboxState
from node.db.counters import SEQ
from node.db.types import utcnow
from node.db.unit_of_work import Database
from schemas.wire import TABLE_ORDER

SAVE_EVERY = 5.0  # seconds between saves while one table's backlog is being sent


@dataclass
class TableOutcome:
    error: str | None = None
    attempted: bool = False


@dataclass
class Watermarks:
    db: Database
    acked: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, TableOutcome] = field(default_factory=dict)
    _saved_at: float = 0.0

    def reset(self, held: dict[str, int]) -> None:
        """Start a cycle from what the parent says it holds; no seq may be reused."""
        self.acked = {table: held.get(table, 0) for table in TABLE_ORDER}
        self.outcomes = {}
        highest = max(held.values(), default=0)
        with self.db.unit_of_work(write=False) as session:
            current = session.execute(
                text("SELECT value FROM counters WHERE name = :n"), {"n": SEQ}
            ).scalar_one_or_none()
        if current is not None and current < highest:
            # A child restored from an old backup must not reuse seqs the parent has seen.
            with self.db.unit_of_work() as session:
                session.execute(
                    text(
                        "UPDATE counters SET value = CASE WHEN value < :h THEN :h "
                        "ELSE value END WHERE name = :n"
                    ),
                    {"h": highest, "n": SEQ},
                )

    def get(self, table: str) -> int:
        if table not in self.acked:
            self.acked[table] = self._saved(table)
        return self.acked[table]

    def advance(self, table: str, seq_end: int) -> None:
        """The parent acknowledged up to seq_end; save now and then during a long send."""
        self.acked[table] = max(self.get(table), seq_end)
        if time.monotonic() - self._saved_at >= SAVE_EVERY:
            self.save()

    def finish(self, table: str, error: str | None) -> None:
        self.outcomes[table] = TableOutcome(error=error, attempted=True)

    def save(self) -> None:
        """One transaction for every table: watermark, and the outcome of this cycle."""
        self._saved_at = time.monotonic()
        now = utcnow()
        with self.db.unit_of_work() as session:
            held = {s.table_name: s for s in session.execute(select(OutboxState)).scalars()}
            for table in TABLE_ORDER:
                state = held.get(table) or OutboxState(table_name=table, acked_seq=0)
                if table in self.acked:
                    state.acked_seq = self.acked[table]
                outcome = self.outcomes.get(table)
                if outcome is not None and outcome.attempted:
                    state.last_attempt_at = now
                    state.last_error = outcome.error
                    if outcome.error is None:
                        state.last_success_at = now
                session.add(state)

    def _saved(self, table: str) -> int:
        with self.db.unit_of_work(write=False) as session:
            state = session.get(OutboxState, table)
            return state.acked_seq if state else 0
