"""Keeping refused batches for inspection: a row with the reason, files with the bytes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
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
) -> QuarantinedBatch:
    """Record a refused batch (its own transaction, separate from the failed apply)."""
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
    if body and len(body) <= MAX_KEPT_BODY:
        folder = data_dir / QUARANTINE_DIR
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{row.id:08d}.arrows"
        _write_atomically(path, body)
        row.body_path = str(path)
        session.flush()
    return row


def count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(QuarantinedBatch)).scalar_one())
