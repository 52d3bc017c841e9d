"""How wire columns map to each database's storage, both ways, column by column.

SQLite keeps timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text, dates as text, money
as REAL, booleans as integers and UUIDs as 32 hex digits; PostgreSQL has native types.
Conversions are vectorised in Arrow so no path builds Python objects row by row
except the final driver bind.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from schemas.wire import MONEY, TABLES, TS


def select_list(table: str, dialect: str) -> list[str]:
    """SQL expressions that read the wire columns of `table` (PostgreSQL uuids as hex)."""
    out = []
    for field in TABLES[table]:
        if dialect == "postgresql" and _is_uuid(table, field.name):
            out.append(f"replace({field.name}::text, '-', '') AS {field.name}")
        else:
            out.append(field.name)
    return out


def _is_uuid(table: str, name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _sqlite_column(values: Sequence, field: pa.Field) -> pa.Array:
    # Explicit storage types: no per-value type inference (it dominated the read).
    if field.type == TS:
        return pc.cast(pc.cast(pa.array(values, pa.string()), pa.timestamp("us")), TS)
    if field.type == MONEY:
        doubles = pc.round(pa.array(values, pa.float64()), 2)
        return pc.cast(doubles, MONEY, safe=False)
    if field.type == pa.date32():
        return pc.cast(pa.array(values, pa.string()), pa.date32())
    if field.type == pa.bool_():
        return pc.cast(pa.array(values, pa.int64()), pa.bool_())
    return pa.array(values, type=field.type)


def _postgres_column(values: Sequence, field: pa.Field) -> pa.Array:
    return pa.array(values, type=field.type)  # psycopg returns native types


def rows_to_table(table: str, columns: Sequence[Sequence], dialect: str) -> pa.Table:
    """Build the wire table of `table` from driver values, given column by column."""
    schema = TABLES[table]
    build = _sqlite_column if dialect == "sqlite" else _postgres_column
    arrays = [build(col, f) for col, f in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def sqlite_arrow_to_wire(table: str, stored: pa.Table) -> pa.Table:
    """The wire table of `table` from its SQLite storage forms already in Arrow (as the
    ADBC driver reads them: text timestamps and dates, REAL or INTEGER money, integer
    booleans; an all-NULL column may come back typed int64)."""
    schema = TABLES[table]
    arrays = []
    for field in schema:
        col = stored.column(field.name)
        if col.null_count == len(col):
            col = pa.nulls(len(col), field.type)
        elif field.type == TS:
            col = pc.cast(pc.cast(col, pa.timestamp("us")), TS)
        elif field.type == MONEY:
            col = pc.cast(pc.round(pc.cast(col, pa.float64()), 2), MONEY, safe=False)
        elif field.type == pa.bool_():
            col = pc.cast(pc.cast(col, pa.int64()), pa.bool_())
        else:
            col = pc.cast(col, field.type)
        arrays.append(col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col)
    return pa.Table.from_arrays(arrays, schema=schema)


def to_sqlite_columns(batch: pa.Table) -> list[pa.Array]:
    """Wire columns as SQLite stores them (see module docstring)."""
    out = []
    for field, col in zip(batch.schema, batch.columns, strict=True):
        if field.type == TS:
            col = pc.cast(pc.cast(col, pa.timestamp("us")), pa.string())
        elif field.type == pa.date32():
            col = pc.cast(col, pa.string())
        elif field.type == MONEY:
            col = pc.cast(col, pa.float64())
        elif field.type == pa.bool_():
            col = pc.cast(col, pa.int64())
        out.append(col)
    return out
