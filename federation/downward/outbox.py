"""The parent's side for SFTP-only children: the batches it serves down, written into
each child's `down/` folder of its inbox (federation/sftp/layout.py), the same signed
batches `GET /federation/v1/down` answers with (docs/federation.md rule 11).

The child reads them over the SFTP link it uploads by and writes back `down/held.json`,
what it then holds. Batches it holds are deleted here; a chain of waiting batches is
written again from what it holds when it no longer continues from there or is older
than half the signature's accepted age (a child offline for a day gets fresh ones).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from federation.batches.signatures import Signer
from federation.downward.serving import SignedBatch, next_down_batch
from federation.registry.service import active_child
from federation.sftp import layout
from node.db.unit_of_work import Database
from node.settings import FederationSection
from schemas.wire import DOWN_TABLES

log = logging.getLogger("fedcrm.federation.outbox")
WAITING_MAX = 8  # batches per table written ahead of what the child holds


@dataclass(frozen=True)
class Waiting:
    name: str
    prev_seq: int
    seq_end: int
    age: float


def write_outboxes(db: Database, signer: Signer, limits: FederationSection, root: Path) -> int:
    """Bring every active SFTP child's outbox up to date; returns the batches written."""
    if not root.is_dir():
        return 0
    written = 0
    for child in sorted(p for p in root.iterdir() if p.is_dir() and _is_code(p.name)):
        with db.unit_of_work(write=False) as session:
            if active_child(session, child.name) is None:
                continue
        down = child / layout.DOWN
        down.mkdir(exist_ok=True)
        held = _held(down)
        for table in DOWN_TABLES:
            written += _refresh(db, signer, limits, down, table, held.get(table, 0))
    return written


def _is_code(name: str) -> bool:
    return name.isdigit() and len(name) == 6


def _held(down: Path) -> dict[str, int]:
    """What the child says it holds; anything unreadable counts as nothing held (the
    child checks every batch anyway, and applying one twice changes nothing)."""
    try:
        tables = orjson.loads((down / layout.HELD).read_bytes())["tables"]
        return {str(t): int(seq) for t, seq in tables.items() if int(seq) >= 0}
    except FileNotFoundError:
        return {}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("%s is not readable (%s): writing from the start", down / layout.HELD, exc)
        return {}


def _refresh(
    db: Database, signer: Signer, limits: FederationSection, down: Path, table: str, held: int
) -> int:
    waiting = _waiting(down, table)
    for applied in [w for w in waiting if w.seq_end <= held]:
        _remove(down, applied.name)
    waiting = [w for w in waiting if w.seq_end > held]
    usable = waiting and waiting[0].prev_seq == held
    if not usable or any(w.age > limits.tag_max_age_seconds / 2 for w in waiting):
        for stale in waiting:
            _remove(down, stale.name)
        waiting = []
    after = waiting[-1].seq_end if waiting else held
    written = 0
    while len(waiting) + written < WAITING_MAX:
        batch = next_down_batch(db, signer, limits, table, after)
        if batch is None:
            break
        _write(down, layout.batch_name(table, after, batch.seq_end), batch)
        after, written = batch.seq_end, written + 1
    return written


def _waiting(down: Path, table: str) -> list[Waiting]:
    now = time.time()
    found = []
    for path in down.glob(f"{table}.*{layout.MANIFEST_SUFFIX}"):
        name = path.name[: -len(layout.MANIFEST_SUFFIX)]
        parsed = layout.parse_name(name)
        if parsed is not None and parsed[0] == table:
            found.append(Waiting(name, parsed[1], parsed[2], now - path.stat().st_mtime))
    return sorted(found, key=lambda w: w.prev_seq)


def _write(down: Path, name: str, batch: SignedBatch) -> None:
    """Body first, then the manifest: a batch counts only once its manifest exists."""
    _write_atomically(down / (name + layout.BODY_SUFFIX), batch.body)
    envelope = orjson.dumps({"manifest": batch.header, "tag": batch.tag})
    _write_atomically(down / (name + layout.MANIFEST_SUFFIX), envelope)


def _remove(down: Path, name: str) -> None:
    # The manifest first, so a reader never finds a manifest without its body.
    for suffix in (layout.MANIFEST_SUFFIX, layout.BODY_SUFFIX):
        (down / (name + suffix)).unlink(missing_ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(layout.PART + path.name)
    part.write_bytes(data)
    os.replace(part, path)
