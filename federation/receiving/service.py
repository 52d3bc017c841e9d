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

# The one label value of every request whose sender is not shown by a verified tag.
UNAUTHENTICATED = "unauthenticated"


@dataclass
class Receiver:
    db: Database
    data_dir: Path
    metrics: FederationMetrics
    max_tag_age: float
    # The bodies of refused batches kept at most (quarantine.py); the oldest go first.
    quarantine_max_bytes: int = 1024**3
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
    if refusal.manifest is None:
        turn_away(receiver, refusal, transport)
    else:
        keep(receiver, refusal, header, body)
        _count(receiver, refusal.manifest, "rejected", transport)
    return Answer.refused(refusal.status, refusal.reason)


def _count(receiver: Receiver, manifest: Manifest | None, result: str, transport: str) -> str:
    """Count a batch under its sender once authenticated (a registered child: a bounded
    set of label values), else under UNAUTHENTICATED; returns the label."""
    child = manifest.sender if manifest else UNAUTHENTICATED
    receiver.metrics.batches_received.labels(child, result, transport).inc()
    return child


def turn_away(receiver: Receiver, refusal: Refusal, transport: str) -> None:
    """Answer a request that never authenticated: counted under one fixed label and
    logged (escaped, it is anyone's text), never written to disk or the quarantine."""
    log.warning("unauthenticated batch refused (%s): %r", refusal.status, refusal.reason)
    _count(receiver, None, "rejected", transport)


def keep(receiver: Receiver, refusal: Refusal, header: str, body: bytes) -> None:
    """Quarantine an authenticated sender's refused batch and log why (never silently
    dropped, rule 5)."""
    manifest = refusal.manifest
    assert manifest is not None, "only an authenticated batch is kept"
    log.warning(
        "batch rejected (%s) from %s table %r: %r",
        refusal.status,
        manifest.sender,
        manifest.table,
        refusal.reason,
    )
    with receiver.db.unit_of_work() as session:
        pruned = quarantine.quarantine(
            session,
            receiver.data_dir,
            status=refusal.status,
            reason=refusal.reason,
            sender=manifest.sender,
            table=manifest.table,
            manifest=header.encode(),
            body=body,
            max_bytes=receiver.quarantine_max_bytes,
        )
    receiver.metrics.quarantine_pruned.inc(pruned)
