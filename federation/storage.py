"""How wire columns map to each database's storage, both ways, column by column.

SQLite keeps timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text, dates as text, money
as REAL, booleans as integers and UUIDs as 32 hex digits; PostgreSQL has native types.
Conversions are vectorised in Arrow so no path builds Python objects row by row
except the final driver bind.
"""

from __future__ import annotations

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


def column_from_storage(values: list, field: pa.Field) -> pa.Array:
    """Build the wire column `field` from values as the driver returned them."""
    if field.type == TS:
        raw = pa.array(values)
        if pa.types.is_string(raw.type) or pa.types.is_null(raw.type):
            return pc.cast(pc.cast(raw, pa.timestamp("us")), TS)
        return pc.cast(raw, TS)
    if field.type == MONEY:
        raw = pa.array(values)
        if pa.types.is_floating(raw.type) or pa.types.is_integer(raw.type):
            raw = pc.round(pc.cast(raw, pa.float64()), 2)
        return pc.cast(raw, MONEY, safe=False)
    if field.type == pa.date32():
        raw = pa.array(values)
        return pc.cast(raw, pa.date32()) if not pa.types.is_date32(raw.type) else raw
    if field.type == pa.bool_():
        return pc.cast(pa.array(values), pa.bool_())
    return pa.array(values, type=field.type)


def rows_to_table(table: str, rows: list[tuple]) -> pa.Table:
    schema = TABLES[table]
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    arrays = [column_from_storage(list(col), f) for col, f in zip(columns, schema, strict=True)]
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
