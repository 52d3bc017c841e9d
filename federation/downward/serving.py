"""The parent's side: the next batch of rows a child may pull, signed with this node's key.

The rows are read by the upward capture (federation/sending/capture.py), limited to the
origins this node serves down (its own and its ancestors'), and encoded, bounded and
signed exactly as an upward batch is. The seq is this node's own, so a child's
checkpoint per (parent, table) is gap-free by rule 2.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation.batches import codec
from federation.batches.manifest import Manifest, body_digest, now
from federation.batches.signatures import Signer
from federation.registry.topology import origins_sql, served_down
from federation.sending.capture import read_changes
from node.db.unit_of_work import Database
from node.settings import FederationSection
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION


@dataclass(frozen=True)
class SignedBatch:
    """A batch as it travels: the manifest header, its tag and the Arrow body."""

    header: str
    tag: str
    body: bytes
    rows: int
    seq_end: int


def next_down_batch(
    db: Database, signer: Signer, limits: FederationSection, table: str, after: int
) -> SignedBatch | None:
    """The first batch of `table`'s rows served down with seq > `after`, or None when
    the child holds them all. One batch per request: the child asks again from its end."""
    origins = origins_sql(served_down(db.node_code))
    with db.engine.connect() as conn:
        changes = read_changes(conn, table, after, limits.batch_max_rows, origins)
    if changes is None:
        return None
    piece = changes.pieces(limits.batch_max_rows, limits.batch_max_bytes)[0]
    body = codec.encode(piece.rows)
    manifest = Manifest(
        sender=db.node_code,
        table=table,
        prev_seq=piece.after,
        seq_start=piece.seq_start,
        seq_end=piece.seq_end,
        schema_version=SCHEMA_VERSION,
        fingerprint=FINGERPRINTS[table],
        row_count=piece.rows.num_rows,
        body_sha256=body_digest(body),
        created_at=now(),
    )
    tag = signer.tag(manifest.to_bytes(), body)
    return SignedBatch(manifest.to_header(), tag, body, piece.rows.num_rows, piece.seq_end)
