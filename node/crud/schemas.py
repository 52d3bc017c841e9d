"""Schema pieces every resource shares."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model


class ReplicatedRead(BaseModel):
    """Fields every replicated row shows: identity, owner, version, times."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    origin: str
    origin_version: int
    created_at: datetime
    updated_at: datetime


class StrictInput(BaseModel):
    """Input models refuse unknown fields, so a typo is a 422, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    """The PATCH schema of `model`: the same fields, all optional, none required."""
    fields: dict[str, Any] = {
        field_name: (info.annotation | None, None)
        for field_name, info in model.model_fields.items()
    }
    return create_model(name, __base__=StrictInput, **fields)
