"""Reading a SQLite node's tables with ADBC in a child process (see rollup.source).

The parent starts `python -m rollup.sqlite_reader DB [ORIGINS]`; the child runs the
rollup's SELECTs through the ADBC driver and writes each table to its stdout as a
length-prefixed Arrow IPC stream, in rollup.source_columns.TABLES order.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from rollup.source_columns import TABLES, origin_list, select_sql

_LENGTH = struct.Struct("<Q")
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


class ReaderFailed(RuntimeError):
    """The child process could not read the database (its error output is attached)."""


def read_in_child(path: str, origins: Sequence[str] | None) -> dict[str, pa.Table]:
    """The raw driver tables of the database file `path`, read by a child process."""
    if not path or path == ":memory:":
        raise ValueError("rollups read a SQLite file; an in-memory database cannot be shared")
    args = [sys.executable, "-m", "rollup.sqlite_reader", path]
    if origins is not None:
        origin_list(origins)  # refuses anything but node codes
        args.append(",".join(origins))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    proc = subprocess.run(args, capture_output=True, env=env, check=False)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ReaderFailed(f"reading {path} failed: {detail[-1] if detail else proc.returncode}")
    out = memoryview(proc.stdout)
    tables: dict[str, pa.Table] = {}
    offset = 0
    for name in TABLES:
        (size,) = _LENGTH.unpack_from(out, offset)
        offset += _LENGTH.size
        tables[name] = pa.ipc.open_stream(pa.py_buffer(out[offset : offset + size])).read_all()
        offset += size
    return tables


def _main(argv: list[str]) -> None:
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    path = argv[0]
    origins = argv[1].split(",") if len(argv) > 1 else None
    out = sys.stdout.buffer
    with adbc_sqlite.connect(path) as conn, conn.cursor() as cur:
        for name in TABLES:
            cur.execute(select_sql(name, "sqlite", origins))
            table = cur.fetch_arrow_table()
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            body = sink.getvalue()
            out.write(_LENGTH.pack(body.size))
            out.write(body)
    out.flush()


if __name__ == "__main__":
    _main(sys.argv[1:])
