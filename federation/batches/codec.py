"""Arrow IPC stream encoding of a batch (zstd), and splitting by rows and bytes."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.ipc as ipc

_WRITE_OPTIONS = ipc.IpcWriteOptions(compression="zstd")


class BodyError(Exception):
    """The body is not a readable Arrow IPC stream."""


def encode(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema, options=_WRITE_OPTIONS) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def decode(body: bytes) -> pa.Table:
    """Read an untrusted body fully; any malformation is a BodyError, never a crash."""
    try:
        with ipc.open_stream(pa.BufferReader(body)) as reader:
            table = reader.read_all()
        table.validate(full=True)
        return table
    except (pa.ArrowException, ValueError, OSError) as exc:
        raise BodyError(f"body is not a valid Arrow IPC stream: {exc}") from None


def split(table: pa.Table, max_rows: int, max_bytes: int) -> Iterator[pa.Table]:
    """Slices of `table` of at most max_rows rows and about max_bytes uncompressed bytes."""
    if table.num_rows == 0:
        return
    per_row = max(1, table.nbytes // table.num_rows)
    rows = max(1, min(max_rows, max_bytes // per_row))
    for start in range(0, table.num_rows, rows):
        yield table.slice(start, rows)
