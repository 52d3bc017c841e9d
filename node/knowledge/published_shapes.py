"""The structures inside the text columns of kb_publications, checked when a batch from
above arrives (node.db.value_rules.shaped), so the node below never stores a value it
cannot read back: a bad one is a refused batch, not a failing step after every pull."""

from __future__ import annotations

import binascii
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

NAME_MAX = 100  # an audience's or a folder's name (node.knowledge.models.NAME_MAX)
VALUES_MAX = 50  # entries in one list of an audience
VALUE_MAX = 40  # characters in one entry (a service area's code is the longest)
FOLDER_DEPTH_MAX = 50

Value = Annotated[str, StringConstraints(min_length=1, max_length=VALUE_MAX)]
NodeCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX)]


class PublishedAudience(BaseModel):
    """An audience as a publication carries it down (kb_publications.audience)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: Hex32
    name: Name
    owner: NodeCode
    roles: Annotated[list[Value], Field(max_length=VALUES_MAX)]
    levels: Annotated[list[Value], Field(max_length=VALUES_MAX)]
    nodes: Annotated[list[NodeCode], Field(max_length=VALUES_MAX)]
    areas: Annotated[list[Value], Field(max_length=VALUES_MAX)]


# kb_publications.folders: the folder path from the top, [[id hex, name], ...].
FOLDER_PATH = TypeAdapter(
    Annotated[list[tuple[Hex32, Name]], Field(max_length=FOLDER_DEPTH_MAX)],
    config=ConfigDict(strict=True),
)


def is_published_audience(text: str) -> bool:
    """Whether `text` is an audience a node below can take."""
    try:
        PublishedAudience.model_validate_json(text)
    except ValidationError:
        return False
    return True


def is_folder_path(text: str) -> bool:
    """Whether `text` is a folder path a node below can place an article by."""
    try:
        FOLDER_PATH.validate_json(text)
    except ValidationError:
        return False
    return True


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def is_sha256_hex(text: str) -> bool:
    """Whether `text` is a SHA-256 digest as 64 lowercase hex digits."""
    return _SHA256_HEX.fullmatch(text) is not None


def is_base64(text: str) -> bool:
    """Whether `text` is standard base64 (padded, no line breaks)."""
    try:
        binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        return False
    return True
