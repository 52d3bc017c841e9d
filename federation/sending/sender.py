"""The sender: push every change upward in seq order, advancing only on acknowledgement.

One cycle walks every replicated table. A table's watermark (watermarks.py)
moves only after the parent answered that it durably applied the batch (rule 6), so
a parent that is down for hours just leaves a backlog to catch up on. Every cycle starts
by asking the parent what it holds and resuming from there, so a parent restored from
an older backup, or told to resync this node, still converges.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tenacity import (
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from federation.batches import codec
from federation.batches.manifest import Manifest, body_digest, now
from federation.batches.signatures import Signer
from federation.metrics import FederationMetrics
from federation.registry.topology import subtree_sql
from federation.sending.capture import Changes, backlog, read_changes
from federation.sending.lock import SenderBusy, sender_lock
from federation.sending.recent import RecentlyApplied
from federation.sending.watermarks import Watermarks
from federation.transport import (
    AwaitingAcknowledgement,
    PermanentRejection,
    TransientError,
    Transport,
)
from node.db.unit_of_work import Database
from node.settings import FederationSection
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION, TABLE_ORDER

log = logging.getLogger("fedcrm.federation.send")


@dataclass
class TableReport:
    table: str
    rows_sent: int = 0
    batches: int = 0
    error: str | None = None
    awaiting: bool = False  # delivered, but the parent has not answered yet


@dataclass
class SyncReport:
    tables: list[TableReport] = field(default_factory=list)
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return all(t.error is None for t in self.tables)

    @property
    def rows_sent(self) -> int:
        return sum(t.rows_sent for t in self.tables)


Progress = Callable[[str, int], None]


class Sender:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        signer: Signer,
        limits: FederationSection,
        metrics: FederationMetrics | None = None,
        attempts: int = 4,
        lock_dir: Path | None = None,
    ) -> None:
        self.db = db
        self.lock_dir = lock_dir
        self.transport = transport
        self.signer = signer
        self.limits = limits
        self.metrics = metrics
        self.watermarks = Watermarks(db)
        # Only the subtree's rows go up; the watermark passes over rows pulled from above
        # (docs/federation.md rule 11), so a province never returns HQ's rows to HQ.
        self.origins = subtree_sql(db.node_code)
        self.recent = RecentlyApplied()  # filled by Relay.applied where this node serves
        self._retry = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential_jitter(initial=0.5, max=8),
            retry=retry_if_exception_type(TransientError)
            & retry_if_not_exception_type(AwaitingAcknowledgement),
            reraise=True,
        )

    # ---- resume -------------------------------------------------------------------
    def resume(self) -> None:
        """Set every table's watermark to what the parent says it holds."""
        self.watermarks.reset(self._retry(self.transport.checkpoint))

    # ---- one cycle ----------------------------------------------------------------
    def sync_once(self, progress: Progress | None = None, wait: bool = False) -> SyncReport:
        """One cycle under the node's sender lock; if another cycle runs, wait for it
        (`wait`, the CLI) or skip this one (the scheduler)."""
        if self.lock_dir is None:
            return self._cycle(progress)
        try:
            with sender_lock(self.lock_dir, wait):
                return self._cycle(progress)
        except SenderBusy:
            log.info("replication cycle skipped: another one is running")
            return SyncReport(skipped=True)

    def _cycle(self, progress: Progress | None = None) -> SyncReport:
        """One cycle: resume from the parent's checkpoint, then push every table.

        Asking first (one small request) means a parent restored from a backup, or one
        that was told to resync a child, is caught up even when nothing changed here.
        """
        report = SyncReport()
        try:
            self.resume()
        except (TransientError, PermanentRejection) as exc:
            self._fail_all(report, str(exc))
            return report
        for index, table in enumerate(TABLE_ORDER):
            result = self._sync_table(table, progress)
            report.tables.append(result)
            if result.awaiting:
                # The parent is not ingesting: every other table would wait the same.
                for rest in TABLE_ORDER[index + 1 :]:
                    report.tables.append(TableReport(rest, error="waiting for the parent"))
                    self.watermarks.finish(rest, "waiting for the parent")
                break
        self.watermarks.save()
        self._observe(report)
        return report

    def _acked(self, table: str) -> int:
        return self.watermarks.get(table)

    def _sync_table(self, table: str, progress: Progress | None) -> TableReport:
        report = TableReport(table)
        try:
            for piece, body in self._encoded_batches(table):
                self._send_piece(piece, body)
                report.rows_sent += piece.rows.num_rows
                report.batches += 1
                if progress:
                    progress(table, piece.rows.num_rows)
            self.watermarks.finish(table, None)
        except (TransientError, PermanentRejection) as exc:
            report.error = str(exc)
            report.awaiting = isinstance(exc, AwaitingAcknowledgement)
            self.watermarks.finish(table, report.error)
            log.warning("sync of %s stopped: %s", table, exc)
        return report

    def _read_encoded(self, table: str, after: int) -> list[tuple[Changes, bytes]] | None:
        with self.db.engine.connect() as conn:
            changes = self.recent.take(conn, table, after) or read_changes(
                conn, table, after, self.limits.batch_max_rows, self.origins
            )
        if changes is None:
            return None
        pieces = changes.pieces(self.limits.batch_max_rows, self.limits.batch_max_bytes)
        return [(piece, codec.encode(piece.rows)) for piece in pieces]

    def _encoded_batches(self, table: str) -> Iterator[tuple[Changes, bytes]]:
        """The table's unacknowledged changes as encoded batches, in seq order.

        The next read is one step ahead, in a thread, so reading and encoding batch k+1
        overlaps with the parent applying batch k (the sender no longer idles while the
        parent works). Reading ahead of the acknowledgement is safe: capture is gap-free
        from any seq it has returned, and a failed send drops what was read ahead (the
        next cycle starts again from the acknowledged watermark). A read ahead that found
        nothing is repeated once after the last send: at a province, rows applied while
        that batch travelled would otherwise wait for the next cycle, behind every other
        table.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"read-{table}") as pool:
            after = self._acked(table)
            ahead, fresh = pool.submit(self._read_encoded, table, after), True
            while True:
                ready = ahead.result()
                if ready is None:
                    if fresh:
                        return
                    # That read ran while the last batch travelled: look once more.
                    ahead, fresh = pool.submit(self._read_encoded, table, after), True
                    continue
                after = ready[-1][0].seq_end
                ahead, fresh = pool.submit(self._read_encoded, table, after), False
                yield from ready

    def _send_piece(self, piece: Changes, body: bytes) -> None:
        manifest = Manifest(
            sender=self.db.node_code,
            table=piece.table,
            prev_seq=piece.after,
            seq_start=piece.seq_start,
            seq_end=piece.seq_end,
            schema_version=SCHEMA_VERSION,
            fingerprint=FINGERPRINTS[piece.table],
            row_count=piece.rows.num_rows,
            body_sha256=body_digest(body),
            created_at=now(),
        )
        tag = self.signer.tag(manifest.to_bytes(), body)
        started = time.perf_counter()
        try:
            self._retry(self.transport.send, manifest.to_header(), tag, body)
        except (TransientError, PermanentRejection):
            self._count("failed")
            raise
        self._count("applied")
        log.info(
            "sent %s seq %d-%d: %d rows, %d bytes, acknowledged in %.2f s",
            piece.table,
            piece.seq_start,
            piece.seq_end,
            piece.rows.num_rows,
            len(body),
            time.perf_counter() - started,
        )
        if self.metrics:
            self.metrics.batch_bytes.labels("sent").observe(len(body))
        self.watermarks.advance(piece.table, piece.seq_end)

    # ---- bookkeeping --------------------------------------------------------------
    def _fail_all(self, report: SyncReport, error: str) -> None:
        for table in TABLE_ORDER:
            report.tables.append(TableReport(table, error=error))
            self.watermarks.finish(table, error)
        self.watermarks.save()
        self._observe(report)

    def _count(self, result: str) -> None:
        if self.metrics:
            self.metrics.batches_sent.labels(result, self.transport.name).inc()

    def _observe(self, report: SyncReport) -> None:
        if not self.metrics:
            return
        with self.db.engine.connect() as conn:
            for table in TABLE_ORDER:
                self.metrics.backlog_rows.labels(table).set(
                    backlog(conn, table, self._acked(table), self.origins)
                )
        if report.ok:
            self.metrics.last_success.set(now())
