"""The manifest that travels with every batch, and its HMAC-SHA256 authentication tag."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import asdict, dataclass

import orjson

# The HTTP headers that carry the manifest and the tag (both ways in and the clients).
MANIFEST_HEADER = "x-fedcrm-manifest"
TAG_HEADER = "x-fedcrm-tag"


class ManifestError(Exception):
    """The manifest is malformed or its tag does not verify."""


@dataclass(frozen=True)
class Manifest:
    sender: str
    table: str
    # The sender's watermark this batch continues from: it holds every change of the
    # table in (prev_seq, seq_end]. A parent applies it only if it holds up to prev_seq.
    prev_seq: int
    seq_start: int
    seq_end: int
    schema_version: int
    fingerprint: str
    row_count: int
    body_sha256: str
    created_at: float  # unix seconds at the sender; tags older than 5 minutes are refused

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
            manifest = cls(**data)
        except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
            raise ManifestError(f"manifest is not valid: {exc}") from None
        for name in ("prev_seq", "seq_start", "seq_end", "schema_version", "row_count"):
            if not isinstance(getattr(manifest, name), int):
                raise ManifestError(f"manifest field {name} must be an integer")
        return manifest, raw


def credential_key(credential: str) -> bytes:
    """The HMAC key both sides derive from the credential (the parent stores only this)."""
    return hashlib.sha256(credential.strip().encode()).digest()


def sign(key: bytes, manifest_bytes: bytes, body: bytes) -> str:
    return hmac.new(key, manifest_bytes + b"\n" + body, hashlib.sha256).hexdigest()


def verify(key: bytes, manifest_bytes: bytes, body: bytes, tag: str) -> bool:
    """Constant-time comparison of the expected and given tags."""
    return hmac.compare_digest(sign(key, manifest_bytes, body), tag)


def request_tag(key: bytes, sender: str, timestamp: str, path: str) -> str:
    """The tag of a body-less request (checkpoint, digest): sender, time and path."""
    return sign(key, f"{sender}\n{timestamp}\n{path}".encode(), b"")


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def now() -> float:
    return time.time()
