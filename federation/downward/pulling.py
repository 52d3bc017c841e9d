"""The child's side: pull what the parent serves down, table by table, and apply it.

Pulled, not pushed, so an office behind NAT or a firewall needs no inbound port. Each
table resumes from this node's checkpoint for (parent, table), kept by the same
`apply_incoming` that applies children's batches: the apply and the checkpoint move in
one transaction, so a crash between two pulls loses and doubles nothing, and a batch
pulled twice changes nothing the second time (docs/federation.md rules 5, 6 and 11).
A refused batch is counted and kept in quarantine like a child's, and the table stops
there until the next cycle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import NoReturn

from sqlalchemy import select

from federation.batches.manifest import now
from federation.batches.signatures import Verifier
from federation.downward.intake import open_down_batch
from federation.downward.sources import Delivered, DownSource, PullStopped
from federation.metrics import FederationMetrics
from federation.receiving.apply import ApplyConflict, OutOfOrder, apply_incoming
from federation.receiving.intake import Refusal
from federation.receiving.service import Receiver, keep, turn_away
from federation.registry.models import Checkpoint
from federation.registry.topology import parent_of
from schemas.wire import DOWN_TABLES

log = logging.getLogger("fedcrm.federation.pull")
TRANSPORT = "pull"


@dataclass
class TablePull:
    table: str
    batches: int = 0
    rows_applied: int = 0
    rows_received: int = 0
    error: str | None = None


@dataclass
class PullReport:
    tables: list[TablePull] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.error is None for t in self.tables)


class Puller:
    """Pulls this node's share of its parent's reference rows from a source."""

    def __init__(self, receiver: Receiver, source: DownSource, verifier: Verifier) -> None:
        self.receiver = receiver
        self.code = receiver.db.node_code
        parent = parent_of(self.code)
        if parent is None:
            raise ValueError("HQ has no parent to pull from")
        self.parent = parent
        self.source = source
        self.verifier = verifier

    @property
    def metrics(self) -> FederationMetrics:
        return self.receiver.metrics

    def pull_once(self) -> PullReport:
        """One cycle: every table that flows down, until the parent has nothing newer."""
        report = PullReport()
        for table in DOWN_TABLES:
            result = TablePull(table)
            try:
                self._pull_table(result)
            except PullStopped as exc:
                result.error = str(exc)
                log.warning("pull of %s from %s stopped: %s", table, self.parent, exc)
            report.tables.append(result)
        try:
            self.source.held(self._checkpoints())
        except PullStopped as exc:
            report.tables[-1].error = report.tables[-1].error or str(exc)
        if report.ok:
            self.metrics.down_last_success.set(now())
        return report

    def close(self) -> None:
        self.source.close()

    def _pull_table(self, result: TablePull) -> None:
        while True:
            asked = (result.table, self._checkpoints().get(result.table, 0))
            fetched = self._fetch(*asked)
            if fetched is None:
                return
            header, tag, body = fetched
            opened = open_down_batch(
                self.verifier, self.receiver.max_tag_age, self.code, asked, header, tag, body
            )
            if isinstance(opened, Refusal):
                self._refuse(opened, header, body)
            manifest = opened.manifest
            try:
                applied = apply_incoming(
                    self.receiver.db,
                    self.parent,
                    manifest.table,
                    opened.rows,
                    manifest.prev_seq,
                    manifest.seq_end,
                )
            except (OutOfOrder, ApplyConflict) as exc:
                self._refuse(Refusal(409, str(exc), manifest), header, body)
            self.metrics.down_batches.labels("applied").inc()
            self.metrics.down_rows_applied.labels(manifest.table).inc(applied.applied)
            result.batches += 1
            result.rows_applied += applied.applied
            result.rows_received += opened.rows.num_rows

    def _fetch(self, table: str, after: int) -> Delivered | None:
        try:
            return self.source.fetch(table, after)
        except PullStopped:
            self.metrics.down_batches.labels("failed").inc()
            raise

    def _checkpoints(self) -> dict[str, int]:
        with self.receiver.db.unit_of_work(write=False) as session:
            rows = session.execute(
                select(Checkpoint.table_name, Checkpoint.last_seq).where(
                    Checkpoint.sender == self.parent
                )
            ).all()
        return {table: int(seq) for table, seq in rows}

    def _refuse(self, refusal: Refusal, header: str, body: bytes) -> NoReturn:
        """Count and keep (or, unauthenticated, only log) a refused batch; stop."""
        self.metrics.down_batches.labels("rejected").inc()
        if refusal.manifest is None:
            turn_away(self.receiver, refusal, TRANSPORT)
        else:
            keep(self.receiver, refusal, header, body)
        raise PullStopped(f"batch refused ({refusal.status}): {refusal.reason}")
