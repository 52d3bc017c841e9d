"""open_batch: from the bytes a child delivered to a batch that may be applied, or a refusal.

Both ways in hand it what they received: the manifest header, the tag and the body (HTTP
from its headers, SFTP from the files in the child's inbox). The manifest is parsed
here and nowhere else on the receive path. Checks run in this order, each refusing with
the status its answer shows: the manifest (rule 4), the inbox it came through, the body
digest (first, so a body cut short in transit reads as such rather than as a bad tag),
the signature (rule 4: the child's Ed25519 key, or its legacy HMAC key inside its window)
and the tag age, the schema (rule 8), then every value and every row (rules 12
and 1). Until the tag verifies nothing the batch claims is believed: such a refusal
carries no manifest, so nothing is stored or labelled by what it says (docs/federation.md
rule 12).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from federation.batches import codec
from federation.batches.manifest import Manifest, ManifestError, body_digest
from federation.batches.signatures import SignatureRefused, check_fresh
from federation.receiving.column_rules import check_values
from federation.receiving.validate import BatchRejected, check_rows, conform
from federation.registry.service import active_child, child_verifier
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
    """Why a batch is not applied. `manifest` is set once the batch's tag verified (the
    refusal is then the sender's to see in quarantine); None means the request was never
    authenticated and nothing it claims may be stored or used as a label."""

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
        level = _verified_level(db, max_tag_age, manifest, signed, tag, body, inbox_of)
    except BatchRejected as exc:
        return Refusal(exc.status, exc.reason)
    try:
        rows = _check(manifest, body, level)
    except BatchRejected as exc:
        return Refusal(exc.status, exc.reason, manifest)
    return CheckedBatch(manifest, rows)


def _verified_level(
    db: Database,
    max_tag_age: float,
    manifest: Manifest,
    signed: bytes,
    tag: str,
    body: bytes,
    inbox_of: str | None,
) -> Level:
    """The sender's level once the batch is shown to come from it, else BatchRejected."""
    if inbox_of is not None and manifest.sender != inbox_of:
        raise BatchRejected(403, f"batch from {manifest.sender} found in {inbox_of}'s inbox")
    if body_digest(body) != manifest.body_sha256:
        raise BatchRejected(400, "body SHA-256 does not match the manifest (corrupt or truncated)")
    return _authenticate(db, max_tag_age, manifest, signed, body, tag)


def _check(manifest: Manifest, body: bytes, level: Level) -> pa.Table:
    """The rows of an authenticated batch, in the current wire schema, every one checked."""
    rows = checked_values(manifest, body)
    check_rows(manifest, rows, level)
    return rows


def checked_values(manifest: Manifest, body: bytes) -> pa.Table:
    """An authenticated batch's body decoded, in the current wire schema (rule 8), every
    value checked against its column's rules (rule 12); else BatchRejected."""
    try:
        rows = conform(manifest, codec.decode(body))
    except codec.BodyError as exc:
        raise BatchRejected(400, str(exc)) from None
    # Values first: the row checks ask the database about origins, and a value no column
    # can hold (a NUL, say) must be refused before any query carries it.
    check_values(manifest.table, rows)
    return rows


def _authenticate(
    db: Database, max_tag_age: float, manifest: Manifest, signed: bytes, body: bytes, tag: str
) -> Level:
    """The sender's level, once its tag verifies with its registered key and is fresh."""
    with db.unit_of_work(write=False) as session:
        child = active_child(session, manifest.sender)
        level = Level(child.level) if child else None
        verifier = child_verifier(child) if child else None
    if verifier is None or level is None:
        raise BatchRejected(403, f"sender {manifest.sender} is not a registered, active child")
    try:
        verifier.check(signed, body, tag)
        check_fresh(manifest.created_at, max_tag_age)
    except SignatureRefused as exc:
        raise BatchRejected(exc.status, exc.reason) from None
    return level
