"""Keyset (cursor) pagination: stable under inserts, cheap at any depth."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from node.errors import invalid

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _from_json(value: Any, python_type: type) -> Any:
    if value is None:
        return None
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type in (uuid.UUID, Decimal):
        return python_type(value)
    return value


def encode_cursor(order_by: str, value: Any, row_id: uuid.UUID) -> str:
    raw = orjson.dumps({"o": order_by, "v": _to_json(value), "id": str(row_id)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    cursor: str, order_by: str, column: InstrumentedAttribute
) -> tuple[Any, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = orjson.loads(raw)
        if data["o"] != order_by:
            raise invalid("cursor", "was made for another order_by; start again without a cursor")
        return _from_json(data["v"], column.type.python_type), uuid.UUID(data["id"])
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise invalid("cursor", "is not a cursor this API issued") from None


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
