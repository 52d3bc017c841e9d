"""receive_batch: check, apply or refuse one delivered batch, and answer it.

Transport-neutral: the HTTP endpoint and the SFTP inbox both call it, so both ways in
get the same checks (intake.py), apply path (apply.py), quarantine, metrics and answer
(answer.py); each only renders the answer its own way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from federation.batches.manifest import Manifest
from federation.metrics import FederationMetrics
from federation.receiving import quarantine
from federation.receiving.answer import Answer
from federation.receiving.apply import ApplyConflict, OutOfOrder, apply_incoming
from federation.receiving.intake import Refusal, open_batch
from node.db.unit_of_work import Database

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger("fedcrm.federation.receive")


@dataclass
class Receiver:
    db: Database
    data_dir: Path
    metrics: FederationMetrics
    max_tag_age: float
    # Called after a batch is applied and committed, with its table and the rows as
    # written (ApplyResult.written): a province wakes its own sender to relay them.
    on_applied: Callable[[str, pa.Table | None], None] | None = None


def receive_batch(
    receiver: Receiver,
    header: str,
    tag: str,
    body: bytes,
    transport: str = "http",
    inbox_of: str | None = None,
) -> Answer:
    """Apply a batch, or quarantine it and count it; either way, the child's answer.

    `inbox_of`: the child whose SFTP inbox held the batch (see intake.open_batch)."""
    started = time.perf_counter()
    receiver.metrics.batch_bytes.labels("received").observe(len(body))
    opened = open_batch(receiver.db, receiver.max_tag_age, header, tag, body, inbox_of)
    if isinstance(opened, Refusal):
        return _refuse(receiver, opened, header, body, transport)
    manifest = opened.manifest
    try:
        result = apply_incoming(
            receiver.db,
            manifest.sender,
            manifest.table,
            opened.rows,
            manifest.prev_seq,
            manifest.seq_end,
        )
    except OutOfOrder as exc:
        # Not bad data: the sender skipped ahead (a lost batch). It resumes from the
        # checkpoint in the answer; nothing to quarantine.
        _count(receiver, manifest, "out_of_order", transport)
        return Answer.resend_from(exc.checkpoint, str(exc))
    except ApplyConflict as exc:
        conflict = Refusal(409, f"batch conflicts with rows held here: {exc}", manifest)
        return _refuse(receiver, conflict, header, body, transport)
    seconds = time.perf_counter() - started
    child = _count(receiver, manifest, "applied", transport)
    receiver.metrics.rows_applied.labels(child, manifest.table).inc(result.applied)
    receiver.metrics.apply_seconds.observe(seconds)
    log.info(
        "applied %s from %s: %d rows, %d older skipped, checkpoint %d (%.2f s, %s)",
        manifest.table,
        manifest.sender,
        result.applied,
        result.skipped_older,
        result.checkpoint,
        seconds,
        transport,
    )
    if receiver.on_applied is not None and result.applied:
        receiver.on_applied(manifest.table, result.written)
    return Answer.done(result)


def _refuse(
    receiver: Receiver, refusal: Refusal, header: str, body: bytes, transport: str
) -> Answer:
    keep(receiver, refusal, header, body)
    _count(receiver, refusal.manifest, "rejected", transport)
    return Answer.refused(refusal.status, refusal.reason)


def _count(receiver: Receiver, manifest: Manifest | None, result: str, transport: str) -> str:
    """Count the batch by its claimed sender when that looks like a node code (anything
    else would let a sender invent label values); returns that label."""
    sender = manifest.sender if manifest else None
    child = sender if sender and len(sender) == 6 and sender.isdigit() else "unknown"
    receiver.metrics.batches_received.labels(child, result, transport).inc()
    return child


def keep(receiver: Receiver, refusal: Refusal, header: str | None, body: bytes | None) -> None:
    """Quarantine a refused batch and log why (never silently dropped, rule 5)."""
    manifest = refusal.manifest
    sender, table = (manifest.sender, manifest.table) if manifest else (None, None)
    log.warning(
        "batch rejected (%s) from %s table %s: %s", refusal.status, sender, table, refusal.reason
    )
    with receiver.db.unit_of_work() as session:
        quarantine.quarantine(
            session,
            receiver.data_dir,
            status=refusal.status,
            reason=refusal.reason,
            sender=sender,
            table=table,
            manifest=header.encode() if header else None,
            body=body,
        )
