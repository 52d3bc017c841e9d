"""open_batch: from the bytes a child delivered to a batch that may be applied, or a refusal.

Both ways in hand it what they received: the manifest header, the tag and the body (HTTP
from its headers, SFTP from the files in the child's inbox). The manifest is parsed
here and nowhere else on the receive path. Checks run in this order, each refusing with
the status its answer shows: the manifest (rule 4), the inbox it came through, the body
digest (first, so a body cut short in transit reads as such rather than as a bad tag),
the credential and tag age, the schema (rule 8), then every row (rules 1 and 12).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyarrow as pa

from federation.batches import codec
from federation.batches.manifest import Manifest, ManifestError, body_digest, verify
from federation.receiving.validate import BatchRejected, check_rows, conform
from federation.registry.service import active_child
from node.db.unit_of_work import Database
from node.settings import Level


@dataclass(frozen=True)
class CheckedBatch:
    """An authenticated batch: its manifest, and its rows in the current wire schema,
    every one checked."""

    manifest: Manifest
    rows: pa.Table


@dataclass(frozen=True)
class Refusal:
    """Why a batch is not applied. `manifest` is what the batch claimed when the header
    parsed: quarantine and metrics name its sender and table even when it is forged."""

    status: int
    reason: str
    manifest: Manifest | None = None


def open_batch(
    db: Database,
    max_tag_age: float,
    header: str,
    tag: str,
    body: bytes,
    inbox_of: str | None = None,
) -> CheckedBatch | Refusal:
    """Parse, authenticate and check one delivered batch. `inbox_of` is the child whose
    SFTP inbox held it (a batch must come from the child whose inbox it is in)."""
    try:
        manifest, signed = Manifest.from_header(header)
    except ManifestError as exc:
        return Refusal(400, str(exc))
    try:
        rows = _check(db, max_tag_age, manifest, signed, tag, body, inbox_of)
    except BatchRejected as exc:
        return Refusal(exc.status, exc.reason, manifest)
    return CheckedBatch(manifest, rows)


def _check(
    db: Database,
    max_tag_age: float,
    manifest: Manifest,
    signed: bytes,
    tag: str,
    body: bytes,
    inbox_of: str | None,
) -> pa.Table:
    if inbox_of is not None and manifest.sender != inbox_of:
        raise BatchRejected(403, f"batch from {manifest.sender} found in {inbox_of}'s inbox")
    if body_digest(body) != manifest.body_sha256:
        raise BatchRejected(400, "body SHA-256 does not match the manifest (corrupt or truncated)")
    level = _authenticate(db, max_tag_age, manifest, signed, body, tag)
    try:
        rows = conform(manifest, codec.decode(body))
    except codec.BodyError as exc:
        raise BatchRejected(400, str(exc)) from None
    check_rows(manifest, rows, level)
    return rows


def _authenticate(
    db: Database, max_tag_age: float, manifest: Manifest, signed: bytes, body: bytes, tag: str
) -> Level:
    """The sender's level, once its tag verifies with its credential and is fresh."""
    with db.unit_of_work(write=False) as session:
        child = active_child(session, manifest.sender)
        level = Level(child.level) if child else None
        key = bytes.fromhex(child.key_hash) if child else None
    if key is None or level is None:
        raise BatchRejected(403, f"sender {manifest.sender} is not a registered, active child")
    if not verify(key, signed, body, tag):
        raise BatchRejected(401, "authentication tag does not match the credential")
    if abs(time.time() - manifest.created_at) > max_tag_age:
        raise BatchRejected(401, "authentication tag is stale (older than allowed); resend")
    return level
