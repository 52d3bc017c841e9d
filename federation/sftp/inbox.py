"""Parent side: ingest the SFTP inbox exactly like HTTP batches, then answer in files."""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from sqlalchemy import select

from federation.receiving.answer import OUT_OF_ORDER, Answer
from federation.receiving.intake import Refusal
from federation.receiving.service import Receiver, receive_batch, turn_away
from federation.receiving.validate import BatchRejected
from federation.registry.models import Checkpoint
from federation.sftp import layout

log = logging.getLogger("fedcrm.federation.inbox")


@dataclass
class IngestReport:
    applied: int = 0
    rejected: int = 0
    out_of_order: int = 0
    rows: int = 0
    errors: list[str] = field(default_factory=list)
    down_written: int = 0  # batches written into children's outboxes (federation.downward)

    def add(self, answer: Answer) -> None:
        if answer.ok:
            self.applied += 1
            self.rows += answer.applied
        elif answer.error == OUT_OF_ORDER:
            self.out_of_order += 1
        else:
            self.rejected += 1


def _write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(layout.PART + path.name)
    part.write_bytes(data)
    os.replace(part, path)


def _child_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit() and len(p.name) == 6)


def ingest_inbox(receiver: Receiver, root: Path, max_bytes: int) -> IngestReport:
    """Apply every complete batch waiting in the inbox; answer each in acks/."""
    report = IngestReport()
    for child in _child_dirs(root):
        incoming = child / layout.INCOMING
        if not incoming.is_dir():
            continue
        names = sorted(
            (
                p.name[: -len(layout.MANIFEST_SUFFIX)]
                for p in incoming.glob("*" + layout.MANIFEST_SUFFIX)
                if not p.name.startswith(layout.PART)
            ),
            key=layout.sort_key,
        )
        for name in names:
            _ingest_one(receiver, child, name, max_bytes, report)
        write_checkpoint_file(receiver, child)
    return report


def _ingest_one(
    receiver: Receiver, child: Path, name: str, max_bytes: int, report: IngestReport
) -> None:
    incoming = child / layout.INCOMING
    manifest_path = incoming / (name + layout.MANIFEST_SUFFIX)
    body_path = incoming / (name + layout.BODY_SUFFIX)
    try:
        header, tag, body = _read_batch(manifest_path, body_path, max_bytes)
    except BatchRejected as exc:
        # Files that do not make a batch cannot be authenticated: answered, counted like
        # any unauthenticated request, and moved to the child's own quarantine/ folder
        # here (never into this node's quarantine table).
        refused = Refusal(exc.status, exc.reason)
        turn_away(receiver, refused, "sftp")
        answer = Answer.refused(refused.status, refused.reason)
    else:
        answer = receive_batch(receiver, header, tag, body, transport="sftp", inbox_of=child.name)
    report.add(answer)
    _write_atomically(child / layout.ACKS / (name + ".json"), _answer_file(answer))
    if answer.ok:
        outcome = layout.DONE
    elif answer.error == OUT_OF_ORDER:
        outcome = ""  # not bad data: nothing to keep
    else:
        outcome = layout.QUARANTINE
    for path in (body_path, manifest_path):
        if not path.exists():
            continue
        if outcome:
            target = child / outcome
            target.mkdir(exist_ok=True)
            os.replace(path, target / path.name)
        else:
            path.unlink()


def _answer_file(answer: Answer) -> bytes:
    """An answer as the file the child reads back (sftp/client.py): the HTTP body with
    the status inside, first. A refusal's checkpoint has always come before its error
    in these files; kept so, byte for byte."""
    head: dict[str, object] = {"status": answer.status}
    if not answer.ok and answer.checkpoint is not None:
        head["checkpoint"] = answer.checkpoint
    return orjson.dumps({**head, **answer.body()})


def _read_batch(manifest_path: Path, body_path: Path, max_bytes: int) -> tuple[str, str, bytes]:
    """The manifest header, tag and body of a batch; rejected (and kept) if malformed."""
    try:
        envelope = json.loads(manifest_path.read_bytes())
        header, tag = str(envelope["manifest"]), str(envelope["tag"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BatchRejected(400, f"manifest file is not valid: {exc}") from None
    if not body_path.exists():
        raise BatchRejected(400, "manifest without its body file")
    if body_path.stat().st_size > max_bytes:
        raise BatchRejected(413, f"batch body larger than this node accepts ({max_bytes} bytes)")
    return header, tag, body_path.read_bytes()


def write_checkpoint_file(receiver: Receiver, child: Path) -> None:
    """What this node holds from the child, where the child reads it (its resume point)."""
    with receiver.db.unit_of_work(write=False) as session:
        rows = (
            session.execute(select(Checkpoint).where(Checkpoint.sender == child.name))
            .scalars()
            .all()
        )
        tables = {r.table_name: r.last_seq for r in rows}
    _write_atomically(child / layout.CHECKPOINT, orjson.dumps({"tables": tables}))


def prune_done(root: Path, older_than_days: float) -> int:
    """Delete applied batch files older than the retention, and half-uploaded `.part-`
    files as old (left by a cut connection; never read); returns how many."""
    cutoff = time.time() - older_than_days * 86400
    removed = 0
    for child in _child_dirs(root):
        done = (child / layout.DONE).glob("*") if (child / layout.DONE).is_dir() else ()
        incoming = child / layout.INCOMING
        parts = incoming.glob(layout.PART + "*") if incoming.is_dir() else ()
        for path in (*done, *parts):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed


def prepare_child_inbox(root: Path, code: str) -> Path:
    """Create a child's inbox folders (done by `fedcrm child add` for SFTP children)."""
    child = root / code
    for folder in (layout.INCOMING, layout.ACKS, layout.DONE, layout.QUARANTINE):
        (child / folder).mkdir(parents=True, exist_ok=True)
    return child
