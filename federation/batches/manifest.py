"""The manifest that travels with every batch (its tag: federation/batches/signatures.py)."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import asdict
from typing import Annotated

import orjson
from pydantic import ConfigDict, Field, ValidationError
from pydantic.dataclasses import dataclass

# The HTTP headers that carry the manifest and the tag (both ways in and the clients).
MANIFEST_HEADER = "x-fedcrm-manifest"
TAG_HEADER = "x-fedcrm-tag"


class ManifestError(Exception):
    """The manifest is malformed or its tag does not verify."""


# Bounds a parent can hold: sequence numbers are BIGINT columns, times are checked for
# freshness as floats (a NaN is never "older than" anything, so it must not get that far).
Seq = Annotated[int, Field(ge=0, le=2**63 - 1)]
NodeCode = Annotated[str, Field(pattern=r"^[0-9]{6}$")]
UnixTime = Annotated[float, Field(ge=0, le=2**34)]  # up to the year 2514


@dataclass(frozen=True, config=ConfigDict(strict=True, allow_inf_nan=False, extra="forbid"))
class Manifest:
    """What a batch claims about itself, typed and bounded on construction: a child's
    header is untrusted, so a field of the wrong type or range is refused by name."""

    sender: NodeCode
    table: Annotated[str, Field(min_length=1, max_length=40)]
    # The sender's watermark this batch continues from: it holds every change of the
    # table in (prev_seq, seq_end]. A parent applies it only if it holds up to prev_seq.
    prev_seq: Seq
    seq_start: Seq
    seq_end: Seq
    schema_version: Annotated[int, Field(ge=0, le=10_000)]
    fingerprint: Annotated[str, Field(max_length=64)]
    row_count: Annotated[int, Field(ge=0, le=2**31 - 1)]
    body_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    created_at: UnixTime  # unix seconds at the sender; tags older than 5 minutes are refused

    def to_bytes(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS)

    def to_header(self) -> str:
        return base64.urlsafe_b64encode(self.to_bytes()).decode()

    @classmethod
    def from_header(cls, header: str) -> tuple[Manifest, bytes]:
        """Decode the header; returns the manifest and the exact bytes that were signed."""
        try:
            raw = base64.urlsafe_b64decode(header.encode())
            data = orjson.loads(raw)
        except (ValueError, orjson.JSONDecodeError) as exc:
            raise ManifestError(f"manifest is not valid: {exc}") from None
        if not isinstance(data, dict):
            raise ManifestError("manifest is not valid: not a JSON object")
        try:
            return cls(**data), raw
        except ValidationError as exc:
            raise ManifestError(f"manifest is not valid: {_first_error(exc)}") from None
        except TypeError as exc:  # a field missing or one too many
            raise ManifestError(f"manifest is not valid: {exc}") from None


def _first_error(exc: ValidationError) -> str:
    """The first problem, naming the field: `created_at: Input should be a finite number`."""
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or "manifest"
    return f"{field}: {error['msg']}"


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def now() -> float:
    return time.time()
