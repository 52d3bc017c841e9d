"""open_down_batch: a batch pulled from the parent, checked as a child's batch is
(intake.open_batch) before anything touches the database: the manifest, the body digest,
the parent's signature with the key `fedcrm parent set --parent-key` stored, freshness,
that it is the batch asked for, the schema, every value, and every row's origin an
ancestor of this node (docs/federation.md rules 4, 8, 11 and 12)."""

from __future__ import annotations

from federation.batches.manifest import Manifest, ManifestError, body_digest
from federation.batches.signatures import SignatureRefused, Verifier, check_fresh
from federation.receiving.intake import CheckedBatch, Refusal, checked_values
from federation.receiving.validate import BatchRejected, check_rows_from_above


def open_down_batch(
    verifier: Verifier,
    max_tag_age: float,
    receiver: str,
    asked: tuple[str, int],
    header: str,
    tag: str,
    body: bytes,
) -> CheckedBatch | Refusal:
    """Parse, authenticate and check a batch node `receiver` pulled from its parent for
    `asked` (table, after). A Refusal with a manifest is the parent's batch to keep in
    quarantine; one without never authenticated."""
    try:
        manifest, signed = Manifest.from_header(header)
    except ManifestError as exc:
        return Refusal(400, str(exc))
    try:
        if body_digest(body) != manifest.body_sha256:
            raise BatchRejected(400, "body SHA-256 does not match the manifest (truncated?)")
        verifier.check(signed, body, tag)
        check_fresh(manifest.created_at, max_tag_age)
    except SignatureRefused as exc:
        return Refusal(exc.status, exc.reason)
    except BatchRejected as exc:
        return Refusal(exc.status, exc.reason)
    try:
        _check_asked(manifest, asked)
        rows = checked_values(manifest, body)
        check_rows_from_above(manifest, rows, receiver)
    except BatchRejected as exc:
        return Refusal(exc.status, exc.reason, manifest)
    return CheckedBatch(manifest, rows)


def _check_asked(manifest: Manifest, asked: tuple[str, int]) -> None:
    table, after = asked
    if manifest.table != table or manifest.prev_seq != after:
        raise BatchRejected(
            400,
            f"asked for {table} after {after}, got {manifest.table} after {manifest.prev_seq}",
        )
