"""Full validation of an untrusted batch before anything touches the database."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from federation.batches.manifest import Manifest
from federation.registry.topology import ancestors, in_subtree, parent_of
from node.settings import Level
from schemas.wire import (
    DOWN_TABLES,
    FINGERPRINTS,
    SCHEMA_VERSION,
    TABLES,
    SchemaMismatch,
    check_compatible,
)


class BatchRejected(Exception):
    """A batch that must not be applied; status is the HTTP answer, reason the message."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def conform(manifest: Manifest, table: pa.Table) -> pa.Table:
    """Check the schema (rule 8) and return the batch in the current wire schema."""
    if manifest.schema_version == SCHEMA_VERSION and manifest.fingerprint != FINGERPRINTS.get(
        manifest.table
    ):
        raise BatchRejected(400, f"{manifest.table}: schema fingerprint does not match")
    names = table.schema.names
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise BatchRejected(400, f"{manifest.table}: column {twice[0]!r} appears twice")
    try:
        expected = check_compatible(manifest.table, manifest.schema_version, table.schema)
    except SchemaMismatch as exc:
        raise BatchRejected(409 if exc.newer else 400, str(exc)) from None
    columns = []
    for field in expected:
        idx = table.schema.get_field_index(field.name)
        columns.append(table.column(idx) if idx >= 0 else pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=expected)


def check_rows(manifest: Manifest, table: pa.Table, sender_level: Level) -> None:
    """Counts, required values, unique ids and origins: every row, not a sample (the
    values themselves: column_rules.check_values). Every origin lies in the sending
    child's subtree (rule 1)."""
    check_shape(manifest, table)
    for origin in pc.unique(table.column("origin")).to_pylist():
        if not in_subtree(manifest.sender, sender_level, origin):
            raise BatchRejected(
                403, f"row origin {origin} lies outside sender {manifest.sender}'s subtree"
            )


def check_rows_from_above(manifest: Manifest, table: pa.Table, receiver: str) -> None:
    """check_rows for a batch pulled from the parent (rule 11): the sender is the
    receiver's parent, the table one that flows down, and every origin an ancestor
    of the receiver, never the receiver's own subtree."""
    if manifest.sender != parent_of(receiver):
        raise BatchRejected(403, f"batch from {manifest.sender}, not this node's parent")
    if manifest.table not in DOWN_TABLES:
        raise BatchRejected(400, f"table {manifest.table} does not flow down")
    check_shape(manifest, table)
    above = ancestors(receiver)
    for origin in pc.unique(table.column("origin")).to_pylist():
        if origin not in above:
            raise BatchRejected(
                403, f"row origin {origin} is not above {receiver}: only {above} flow down"
            )


def check_shape(manifest: Manifest, table: pa.Table) -> None:
    """The manifest's counts and range, required values, unique ids and versions."""
    if table.num_rows != manifest.row_count:
        raise BatchRejected(
            400, f"manifest says {manifest.row_count} rows, body has {table.num_rows}"
        )
    if not 0 <= manifest.prev_seq < manifest.seq_start <= manifest.seq_end:
        raise BatchRejected(400, "manifest sequence range is invalid")
    schema = TABLES[manifest.table]
    for field in schema:
        if not field.nullable and table.column(field.name).null_count:
            raise BatchRejected(400, f"{manifest.table}.{field.name}: required value is null")
    ids = table.column("id")
    if len(pc.unique(ids)) != table.num_rows:
        raise BatchRejected(400, f"{manifest.table}: a row id appears twice in one batch")
    if pc.min(table.column("origin_version")).as_py() < 1:
        raise BatchRejected(400, f"{manifest.table}.origin_version must be at least 1")
