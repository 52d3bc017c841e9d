"""Reading the four tables rollups need into Arrow, only the columns they use.

ADBC fetches straight into Arrow (docs/performance.md: reading dominates, so read only what is
needed and let SQL leave out tombstoned rows). The two databases store the same values
differently (SQLite: timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text, money as
REAL, UUIDs as 32 hex digits; PostgreSQL: native types), so each dialect has its own
select list and the result is normalised to one Arrow schema:

- ids are 16-byte binaries (hashing them is 3-5x faster than hex text in joins),
- money is integer cents (sums of integers merge exactly; floats would not),
- timestamps are timestamp[us, UTC].

The ADBC SQLite driver infers a column's type from its first rows, so a column that
starts with NULLs would come back as integers: nullable text and blobs are read through
COALESCE(.., '') and turned back into nulls here.

That driver carries its own copy of SQLite. Two copies of SQLite in one process break
each other's file locks (closing one copy's file handle drops the other's POSIX locks):
in a test, the node's own connection then read stale pages and failed with "disk I/O
error". So SQLite is read by ADBC in a child process (rollup.sqlite_reader), which is
the ordinary multi-process case SQLite is built for; PostgreSQL is read in-process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from rollup.source_columns import ID, SCHEMAS, TABLES, TS, select_sql
from rollup.sqlite_reader import read_in_child

if TYPE_CHECKING:
    from node.db.unit_of_work import Database


@dataclass
class SourceTables:
    """The live (not tombstoned) rows rollups use, one Arrow table per source table."""

    customers: pa.Table
    subscriptions: pa.Table
    churn_events: pa.Table
    tickets: pa.Table

    @property
    def rows(self) -> int:
        return sum(t.num_rows for t in self.as_dict().values())

    def as_dict(self) -> dict[str, pa.Table]:
        return {name: getattr(self, name) for name in TABLES}

    @classmethod
    def empty(cls) -> SourceTables:
        return cls(**{name: schema.empty_table() for name, schema in SCHEMAS.items()})


def read_tables(db: Database, origins: Sequence[str] | None = None) -> SourceTables:
    """Read the rollup columns of the four tables (all origins, or only `origins`)."""
    if origins is not None and not origins:
        return SourceTables.empty()
    if db.dialect == "sqlite":
        raw = read_in_child(db.engine.url.database or "", origins)
    else:
        raw = _read_postgres(db.url, origins)
    return SourceTables(**{name: normalise(raw[name], SCHEMAS[name]) for name in TABLES})


def _read_postgres(url: str, origins: Sequence[str] | None) -> dict[str, pa.Table]:
    import adbc_driver_postgresql.dbapi as adbc_postgres
    from sqlalchemy.engine import make_url

    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with adbc_postgres.connect(libpq) as conn, conn.cursor() as cur:
        tables = {}
        for name in TABLES:
            cur.execute(select_sql(name, "postgresql", origins))
            tables[name] = cur.fetch_arrow_table()
    return tables


def normalise(raw: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast what a driver returned to the rollup's schema (see the module docstring)."""
    if raw.num_rows == 0:
        return schema.empty_table()
    arrays = [_column(raw.column(f.name), f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _column(col: pa.ChunkedArray, target: pa.DataType) -> pa.Array:
    col = col.combine_chunks()
    if isinstance(col.type, pa.ExtensionType):
        col = col.storage  # PostgreSQL uuid arrives as the arrow.uuid extension
    if pa.types.is_binary(col.type) and target == ID:
        empty = pc.equal(pc.binary_length(col), 0)  # SQLite's COALESCE(.., x'')
        return pc.if_else(empty, pa.scalar(None, col.type), col).cast(ID)
    if pa.types.is_string(col.type) and target in (TS, pa.string()):
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        if target == TS:
            return col.cast(pa.timestamp("us")).cast(TS)
        return col
    return col if col.type == target else col.cast(target)
