"""Keyset (cursor) pagination: stable under inserts, cheap at any depth."""

from __future__ import annotations

import base64
import math
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Select,
    String,
    Uuid,
    and_,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import TypeDecorator, TypeEngine

from node.errors import invalid

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
NOT_ISSUED = "is not a cursor this API issued"
INT64 = range(-(2**63), 2**63)  # the widest integer column (BIGINT) holds these
LOOSE_NUMERIC_DIGITS = 1000  # far inside PostgreSQL's own limits for a plain NUMERIC


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _of_type(value: Any, kind: type | tuple[type, ...]) -> Any:
    """`value` if it is a `kind` (a bool is no number here: JSON tells them apart)."""
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"not a {kind}: {value!r}")
    return value


def _aware_datetime(value: Any, sql_type: TypeEngine) -> datetime:
    # Naive times are refused, as UTCDateTime refuses them; astimezone can overflow
    # (year 1 at +14:00), which the caller turns into 422 too.
    parsed = datetime.fromisoformat(_of_type(value, str))
    if parsed.tzinfo is None:
        raise ValueError("naive timestamp")
    return parsed.astimezone(UTC)


def _date(value: Any, sql_type: TypeEngine) -> date:
    return date.fromisoformat(_of_type(value, str))


def _uuid(value: Any, sql_type: TypeEngine | None = None) -> uuid.UUID:
    return uuid.UUID(_of_type(value, str))


def _float(value: Any, sql_type: TypeEngine) -> float:
    number = float(_of_type(value, (int, float)))
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _decimal(value: Any, sql_type: TypeEngine) -> Decimal:
    # Encoded as a string (no float rounding). It must fit the column, or PostgreSQL
    # fails on the comparison ("numeric field overflow") instead of answering 422.
    number = Decimal(_of_type(value, str))
    if not number.is_finite() or not _fits(number, sql_type):
        raise ValueError("not a number the column holds")
    return number


def _fits(number: Decimal, sql_type: TypeEngine) -> bool:
    """Whether `number` fits NUMERIC(precision, scale); a plain NUMERIC takes a loose bound."""
    precision: int | None = getattr(sql_type, "precision", None)
    if precision is None:
        whole = fraction = LOOSE_NUMERIC_DIGITS
    else:
        fraction = getattr(sql_type, "scale", None) or 0
        whole = precision - fraction
    exponent = number.normalize().as_tuple().exponent
    return number.adjusted() < whole and -int(exponent) <= fraction


def _int64(value: Any, sql_type: TypeEngine) -> int:
    # JSON integers beyond 64 bits would reach the driver and fail there.
    if _of_type(value, int) not in INT64:
        raise ValueError("beyond 64 bits")
    return value


def _text(value: Any, sql_type: TypeEngine) -> str:
    # PostgreSQL text cannot hold NUL; a NUL would fail in the driver, not here.
    if "\x00" in _of_type(value, str):
        raise ValueError("NUL in text")
    return value


# The first entry the column's type is an instance of decodes its cursor values. Float
# precedes Numeric and DateTime precedes Date because of how SQLAlchemy subclasses them;
# Enum, Text and Unicode are Strings.
DECODERS: tuple[tuple[type[TypeEngine], Callable[[Any, TypeEngine], Any]], ...] = (
    (DateTime, _aware_datetime),
    (Date, _date),
    (Uuid, _uuid),
    (Float, _float),
    (Numeric, _decimal),
    (Integer, _int64),
    (String, _text),
)


def _sql_type(column: InstrumentedAttribute) -> TypeEngine:
    """The SQL type behind `column`, looking through TypeDecorators (UTCDateTime's
    python_type is `object`, which says nothing about what a cursor value should be)."""
    sql_type = column.type
    while isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    return sql_type


def _decode_value(value: Any, column: InstrumentedAttribute) -> Any:
    """A cursor's JSON `value` as `column`'s Python type; ValueError/TypeError if it is not one.

    NotImplementedError for a column type no decoder knows: a server bug, not bad input.
    """
    sql_type = _sql_type(column)
    for kind, decode in DECODERS:
        if isinstance(sql_type, kind):
            return decode(value, sql_type)
    raise NotImplementedError(f"no cursor decoding for {sql_type!r} columns ({column})")


def encode_cursor(order_by: str, value: Any, row_id: uuid.UUID) -> str:
    """The opaque cursor that continues after the row (`value`, `row_id`) in `order_by`."""
    raw = orjson.dumps({"o": order_by, "v": _to_json(value), "id": str(row_id)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_fields(cursor: str) -> dict[str, Any]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:  # binascii.Error, non-ASCII text and JSONDecodeError are ValueErrors
        raise invalid("cursor", NOT_ISSUED) from None
    if not isinstance(data, dict) or not {"o", "v", "id"} <= data.keys():
        raise invalid("cursor", NOT_ISSUED)
    return data


def decode_cursor(
    cursor: str, order_by: str, column: InstrumentedAttribute
) -> tuple[Any, uuid.UUID]:
    """The (value, id) a cursor continues after, typed for `column`.

    A cursor is client input: anything but one this API issued for `order_by` answers
    422 naming `cursor`. A value of the wrong type must not reach the database, where
    it would fail (500) or, on SQLite, silently compare as something else.
    """
    data = _cursor_fields(cursor)
    if data["o"] != order_by:
        raise invalid("cursor", "was made for another order_by; start again without a cursor")
    try:
        return _decode_value(data["v"], column), _uuid(data["id"])
    except (ValueError, TypeError, ArithmeticError):
        # ArithmeticError: OverflowError (datetime) and decimal.InvalidOperation.
        raise invalid("cursor", NOT_ISSUED) from None


def parse_order(order_by: str, allowed: tuple[str, ...]) -> tuple[str, bool]:
    """'-created_at' -> ('created_at', descending=True); refuses fields not allowed."""
    field = order_by.lstrip("-")
    if field not in allowed:
        raise invalid("order_by", f"must be one of {', '.join(allowed)} (prefix - for descending)")
    return field, order_by.startswith("-")


def apply_keyset(
    stmt: Select,
    column: InstrumentedAttribute,
    id_column: InstrumentedAttribute,
    descending: bool,
    after: tuple[Any, uuid.UUID] | None,
) -> Select:
    """Order `stmt` by (column, id) and start after the `after` row, if given.

    `after` must hold typed values (decode_cursor's): they bind through the column's
    type, e.g. UTCDateTime turns an aware time into SQLite's naive UTC.
    """
    if after is not None:
        value, row_id = after
        if descending:
            cond = or_(column < value, and_(column == value, id_column < row_id))
        else:
            cond = or_(column > value, and_(column == value, id_column > row_id))
        stmt = stmt.where(cond)
    if descending:
        return stmt.order_by(column.desc(), id_column.desc())
    return stmt.order_by(column.asc(), id_column.asc())


def keyset_page(
    session: Session,
    model: Any,
    limit: int,
    cursor: str | None,
    order_by: str,
    allowed: tuple[str, ...],
    where: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[Any], str | None]:
    """One page of `model`'s rows (those matching `where`) in `order_by` order after
    `cursor`, and the cursor of the next page (None on the last): the keyset paging
    every list uses."""
    field, descending = parse_order(order_by, allowed)
    column = getattr(model, field)
    after = decode_cursor(cursor, order_by, column) if cursor else None
    stmt = apply_keyset(select(model).where(*where), column, model.id, descending, after)
    rows = list(session.execute(stmt.limit(limit + 1)).scalars())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(order_by, getattr(rows[-1], field), rows[-1].id)
