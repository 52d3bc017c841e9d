"""receive_batch: authenticate, validate, apply or quarantine one incoming batch.

Transport-neutral: the HTTP endpoint and (later) the SFTP inbox both call it, so both
ways in get the same checks, apply path, quarantine and metrics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from federation.batches import codec
from federation.batches.manifest import Manifest, ManifestError, body_digest, verify
from federation.metrics import FederationMetrics
from federation.receiving import quarantine
from federation.receiving.apply import ApplyConflict, ApplyResult, OutOfOrder, apply_incoming
from federation.receiving.validate import BatchRejected, check_rows, conform
from federation.registry.service import active_child
from node.db.unit_of_work import Database
from node.settings import Level

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger("fedcrm.federation.receive")


class StreamGap(BatchRejected):
    """A batch that continues past what this node holds; the answer carries the checkpoint."""

    def __init__(self, reason: str, checkpoint: int) -> None:
        super().__init__(409, reason)
        self.checkpoint = checkpoint


@dataclass
class Receiver:
    db: Database
    data_dir: Path
    metrics: FederationMetrics
    max_tag_age: float
    # Called after a batch is applied and committed, with its table and the rows as
    # written (ApplyResult.written): a province wakes its own sender to relay them.
    on_applied: Callable[[str, pa.Table | None], None] | None = None


def _authenticate(
    receiver: Receiver, manifest: Manifest, raw: bytes, body: bytes, tag: str
) -> Level:
    with receiver.db.unit_of_work(write=False) as session:
        child = active_child(session, manifest.sender)
        level = Level(child.level) if child else None
        key = bytes.fromhex(child.key_hash) if child else None
    if key is None or level is None:
        raise BatchRejected(403, f"sender {manifest.sender} is not a registered, active child")
    if not verify(key, raw, body, tag):
        raise BatchRejected(401, "authentication tag does not match the credential")
    if abs(time.time() - manifest.created_at) > receiver.max_tag_age:
        raise BatchRejected(401, "authentication tag is stale (older than allowed); resend")
    return level


def _validate_and_apply(receiver: Receiver, header: str, tag: str, body: bytes) -> ApplyResult:
    try:
        manifest, raw = Manifest.from_header(header)
    except ManifestError as exc:
        raise BatchRejected(400, str(exc)) from None
    # Digest first: a body cut short in transit is reported as such, not as a bad tag.
    if body_digest(body) != manifest.body_sha256:
        raise BatchRejected(400, "body SHA-256 does not match the manifest (corrupt or truncated)")
    level = _authenticate(receiver, manifest, raw, body, tag)
    try:
        table = conform(manifest, codec.decode(body))
    except codec.BodyError as exc:
        raise BatchRejected(400, str(exc)) from None
    check_rows(manifest, table, level)
    try:
        return apply_incoming(
            receiver.db, manifest.sender, manifest.table, table, manifest.prev_seq, manifest.seq_end
        )
    except OutOfOrder as exc:
        raise StreamGap(str(exc), exc.checkpoint) from None
    except ApplyConflict as exc:
        raise BatchRejected(409, f"batch conflicts with rows held here: {exc}") from None


def receive_batch(
    receiver: Receiver, header: str, tag: str, body: bytes, transport: str = "http"
) -> ApplyResult:
    """Apply a batch or raise BatchRejected after quarantining it and counting it."""
    started = time.perf_counter()
    sender = table = None
    try:
        manifest, _ = Manifest.from_header(header)
        sender, table = manifest.sender, manifest.table
    except ManifestError:
        pass
    child_label = sender if sender and len(sender) == 6 and sender.isdigit() else "unknown"
    receiver.metrics.batch_bytes.labels("received").observe(len(body))
    try:
        result = _validate_and_apply(receiver, header, tag, body)
    except StreamGap:
        # Not bad data: the sender skipped ahead (a lost batch). It resumes from the
        # checkpoint in the answer; nothing to quarantine.
        receiver.metrics.batches_received.labels(child_label, "out_of_order", transport).inc()
        raise
    except BatchRejected as exc:
        keep(receiver, exc, sender, table, header, body)
        receiver.metrics.batches_received.labels(child_label, "rejected", transport).inc()
        raise
    seconds = time.perf_counter() - started
    receiver.metrics.batches_received.labels(child_label, "applied", transport).inc()
    receiver.metrics.rows_applied.labels(child_label, table or "unknown").inc(result.applied)
    receiver.metrics.apply_seconds.observe(seconds)
    log.info(
        "applied %s from %s: %d rows, %d older skipped, checkpoint %d (%.2f s, %s)",
        table,
        sender,
        result.applied,
        result.skipped_older,
        result.checkpoint,
        seconds,
        transport,
    )
    if receiver.on_applied is not None and result.applied and table:
        receiver.on_applied(table, result.written)
    return result


def keep(
    receiver: Receiver,
    exc: BatchRejected,
    sender: str | None,
    table: str | None,
    header: str | None,
    body: bytes | None,
) -> None:
    """Quarantine a refused batch and log why (never silently dropped)."""
    log.warning("batch rejected (%s) from %s table %s: %s", exc.status, sender, table, exc.reason)
    with receiver.db.unit_of_work() as session:
        quarantine.quarantine(
            session,
            receiver.data_dir,
            status=exc.status,
            reason=exc.reason,
            sender=sender,
            table=table,
            manifest=header.encode() if header else None,
            body=body,
        )
