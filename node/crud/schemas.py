"""Schema pieces every resource shares."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, create_model, field_validator

from node.errors import NUL_REASON

if TYPE_CHECKING:
    from typing_extensions import TypeForm  # how pydantic types a field's annotation

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class ReplicatedRead(BaseModel):
    """Fields every replicated row shows: identity, owner, version, times."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    origin: str
    origin_version: int
    created_at: datetime
    updated_at: datetime


def check_storable(value: Any) -> Any:
    """Refuse what no database column can hold; return `value` unchanged otherwise.

    PostgreSQL refuses NUL in text (SQLite would store it, and replicate it to a parent
    that refuses it); no integer column holds more than 64 bits; and a time whose UTC
    equivalent falls outside years 1-9999 cannot be stored as UTC at all.
    """
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(NUL_REASON)
    if isinstance(value, int) and not isinstance(value, bool):
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValueError(f"must be between {INT64_MIN} and {INT64_MAX}")
    elif isinstance(value, datetime) and value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise ValueError("is out of range: its UTC time is outside years 1-9999") from None
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(key)
            check_storable(item)
    return value


class StorableInput(BaseModel):
    """Every field of an input is checked for what no column can store (one place for
    all schemas, so a new field cannot forget it)."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return check_storable(value)


class StrictInput(StorableInput):
    """Input models refuse unknown fields, so a typo is a 422, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    """The PATCH schema of `model`: the same fields, all optional, none required."""
    fields: dict[str, Any] = {
        field_name: (_optional(info.annotation), None)
        for field_name, info in model.model_fields.items()
    }
    return create_model(name, __base__=StrictInput, **fields)


def _optional(annotation: TypeForm[Any] | None) -> Any:
    """`annotation | None`. Pydantic types a field's annotation as possibly None (a field
    made without one); every field of a model class has one, and None fails here as the
    `|` would."""
    if annotation is None:
        raise TypeError("a field without an annotation cannot be made optional")
    return annotation | None
