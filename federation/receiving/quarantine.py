"""Keeping refused batches for inspection: a row with the reason, files with the bytes.

Only batches whose tag verified reach here (intake.Refusal). Their bodies are kept up to
a byte cap (`federation.quarantine_max_bytes`): past it the oldest bodies are deleted,
their rows and reasons stay, so a misbehaving child cannot fill the parent's disk."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from federation.registry.models import QuarantinedBatch

QUARANTINE_DIR = "quarantine"
MAX_KEPT_BODY = 64 * 1024 * 1024


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def quarantine(
    session: Session,
    data_dir: Path,
    *,
    status: int,
    reason: str,
    sender: str | None,
    table: str | None,
    manifest: bytes | None,
    body: bytes | None,
    max_bytes: int = MAX_KEPT_BODY,
) -> int:
    """Record a refused batch (its own transaction, separate from the failed apply),
    keeping its body while the bodies kept stay within `max_bytes`; returns how many
    older bodies were deleted to make room."""
    row = QuarantinedBatch(
        sender=sender,
        table_name=table,
        status_code=status,
        reason=reason[:2000],
        manifest=manifest.decode("utf-8", "replace") if manifest else None,
        body_bytes=len(body or b""),
    )
    session.add(row)
    session.flush()
    if body and len(body) <= min(MAX_KEPT_BODY, max_bytes):
        folder = data_dir / QUARANTINE_DIR
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{row.id:08d}.arrows"
        _write_atomically(path, body)
        row.body_path = str(path)
        session.flush()
        return prune(session, max_bytes)
    return 0


def prune(session: Session, max_bytes: int) -> int:
    """Delete the oldest kept bodies until those left total at most `max_bytes`;
    returns how many were deleted."""
    kept = session.execute(
        select(QuarantinedBatch.id, QuarantinedBatch.body_bytes, QuarantinedBatch.body_path)
        .where(QuarantinedBatch.body_path.is_not(None))
        .order_by(QuarantinedBatch.id.desc())
    ).all()
    total, dropped = 0, []
    for batch_id, size, path in kept:
        total += size
        if total > max_bytes and path is not None:
            Path(path).unlink(missing_ok=True)
            dropped.append(batch_id)
    if dropped:
        session.execute(
            update(QuarantinedBatch)
            .where(QuarantinedBatch.id.in_(dropped))
            .values(body_path=None)
            .execution_options(synchronize_session=False)
        )
    return len(dropped)


def count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(QuarantinedBatch)).scalar_one())
