"""What the database would refuse, checked first so the API can say which field is wrong:
values too long or too large for their column, and values a unique key already holds.

Both are derived from the model's table, so every resource (and every future column or
unique constraint) gets the same checks and the same answers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String, UniqueConstraint, select
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from node.db.base import Replicated, table_of
from node.errors import InvalidFields, Taken


def _misfit(column_type: TypeEngine, value: Any) -> str | None:
    """Why `value` does not fit a column of `column_type`, or None if it does."""
    if isinstance(value, str) and isinstance(column_type, String):
        length = column_type.length
        return f"at most {length} characters" if length and len(value) > length else None
    if isinstance(value, int) and not isinstance(value, bool) and isinstance(column_type, Integer):
        bits = 64 if isinstance(column_type, BigInteger) else 32
        bits = 16 if isinstance(column_type, SmallInteger) else bits
        low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        return None if low <= value <= high else f"must be between {low} and {high}"
    return None


def fit_columns(model: type[Replicated], values: dict[str, Any]) -> None:
    """Raise InvalidFields naming each value its column cannot hold.

    PostgreSQL refuses an over-long varchar or an integer beyond the column's width
    (SQLite stores either); both would otherwise leave the API as a 500.
    """
    columns = table_of(model).columns
    errors = {
        name: reason
        for name, value in values.items()
        if name in columns and (reason := _misfit(columns[name].type, value))
    }
    if errors:
        raise InvalidFields(errors)


def unique_keys(model: type[Replicated]) -> list[tuple[str, ...]]:
    """The column names of each unique constraint and unique index of `model`'s table."""
    table = table_of(model)
    keys = [
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    keys += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
    return [key for key in keys if key]


def _shown(value: Any) -> str:
    return repr(str(value))  # str() first: a StrEnum shows as its value


def check_unique(
    session: Session,
    model: type[Replicated],
    entity: str,
    values: dict[str, Any],
    existing: Replicated | None = None,
) -> None:
    """Raise Taken if another row of `model` holds a unique key these values would take.

    Deleted (tombstoned) rows count: they stay in the table, and replicate, with their
    key, so the database would refuse the duplicate anyway. Keys are per origin where
    the constraint includes origin; a new row's origin is this node.
    """
    origin = existing.origin if existing is not None else session.info["node_code"]
    for key in unique_keys(model):
        named = [name for name in key if name != "origin"]
        if not named or any(values.get(name) is None for name in named):
            continue  # not set by input (seq, search_key), or left empty
        if existing is not None and all(getattr(existing, n) == values[n] for n in named):
            continue  # unchanged: it is this row's own key
        stmt = select(model.id, model.deleted_at).where(
            *(getattr(model, name) == values[name] for name in named)
        )
        if "origin" in key:
            stmt = stmt.where(model.origin == origin)
        if existing is not None:
            stmt = stmt.where(model.id != existing.id)
        holder = session.execute(stmt.limit(1)).first()
        if holder is not None:
            raise _taken(entity, named, values, holder.id, holder.deleted_at)


def _taken(
    entity: str, named: list[str], values: dict[str, Any], holder_id: Any, deleted_at: Any
) -> Taken:
    what = " and ".join(f"{name} {_shown(values[name])}" for name in named)
    if deleted_at is None:
        message = f"{entity} with {what} already exists: {entity} {holder_id}"
    else:
        message = (
            f"{what} is held by deleted {entity} {holder_id} (deleted {deleted_at:%Y-%m-%d}); "
            f"a deleted {entity} keeps it, so choose another"
        )
    return Taken(message, named[-1], str(holder_id))
