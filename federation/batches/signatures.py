"""Signatures a stolen database cannot make (docs/federation.md rule 4).

Every node has its own Ed25519 key in DIR/node.key (mode 0600 from creation). A child
signs its batches and checkpoint requests with it; a parent signs the requests it makes
of a child (digests for `fedcrm verify` and a resync's progress) with its own. Each side
keeps only the other's public key, so reading a node's database or node.toml is not
enough to sign as anyone.

Links made before keys used an HMAC key derived from a shared credential, which the
parent stored as `key_hash`: whoever read the parent's database could sign as the child.
Such a link is accepted only until its `hmac_accepted_until` (set by migration 0007 and
by `fedcrm child rotate`); after it, HMAC tags are refused.

A tag is `ed25519:` and the hex signature over the signed bytes, a newline and the body
(a body-less request signs `sender\\ntimestamp\\npath`); a legacy tag is the hex
HMAC-SHA256 over the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from federation.batches.manifest import TAG_HEADER

NODE_KEY_FILE = "node.key"
TAG_PREFIX = "ed25519:"
KEY_PREFIX = "ed25519:"
# The headers of a body-less signed request (the tag travels in manifest.TAG_HEADER).
SENDER_HEADER = "x-fedcrm-sender"
TIMESTAMP_HEADER = "x-fedcrm-timestamp"


class SignatureRefused(Exception):
    """A signed request or batch that is not accepted; `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# ---- this node's own key ----------------------------------------------------------------
def node_key_path(data_dir: Path) -> Path:
    return data_dir / NODE_KEY_FILE


def load_node_key(data_dir: Path) -> Ed25519PrivateKey:
    """This node's private key, created on first need (at `fedcrm init` for new nodes).

    Created under a temporary name opened exclusively with mode 0600, then hard-linked
    into place: a reader never sees half a key or a wider mode, and two processes
    creating it at once end up sharing the one that was linked first.
    """
    path = node_key_path(data_dir)
    if not path.exists():
        _create_node_key(path)
    return _read_node_key(path)


def _create_node_key(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read_node_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as an operator copies it: `ed25519:` and 64 hex digits."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_PREFIX + raw.hex()


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A public key from its text, or ValueError saying what is expected."""
    value = text.strip()
    expected = "expected ed25519: and 64 hex digits (`fedcrm key show DIR` prints it)"
    if not value.startswith(KEY_PREFIX):
        raise ValueError(f"not an Ed25519 public key: {expected}")
    try:
        raw = bytes.fromhex(value.removeprefix(KEY_PREFIX))
    except ValueError:
        raise ValueError(f"not an Ed25519 public key: {expected}") from None
    if len(raw) != 32:
        raise ValueError(f"not an Ed25519 public key: {expected}")
    return Ed25519PublicKey.from_public_bytes(raw)


# ---- signing -------------------------------------------------------------------------------
def request_bytes(sender: str, timestamp: str, path: str) -> bytes:
    """What a body-less request (checkpoint, digest) signs: sender, time and path."""
    return f"{sender}\n{timestamp}\n{path}".encode()


@dataclass(frozen=True)
class Signer:
    """How a node signs what it sends: its own key, or, on a link made before keys and
    not rotated yet, the HMAC key of its legacy credential."""

    private_key: Ed25519PrivateKey | None = None
    hmac_key: bytes | None = None

    def tag(self, signed: bytes, body: bytes = b"") -> str:
        message = signed + b"\n" + body
        if self.private_key is not None:
            return TAG_PREFIX + self.private_key.sign(message).hex()
        if self.hmac_key is None:
            raise ValueError("a Signer needs a private key or an HMAC key")
        return hmac.new(self.hmac_key, message, hashlib.sha256).hexdigest()

    def request_headers(self, sender: str, path: str) -> dict[str, str]:
        """The headers of a signed body-less request, stamped now."""
        timestamp = f"{time.time():.3f}"
        return {
            SENDER_HEADER: sender,
            TIMESTAMP_HEADER: timestamp,
            TAG_HEADER: self.tag(request_bytes(sender, timestamp, path)),
        }


def credential_key(credential: str) -> bytes:
    """The HMAC key of a legacy credential (what a parent stored as `key_hash`)."""
    return hashlib.sha256(credential.strip().encode()).digest()


# ---- verifying -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Verifier:
    """What a node accepts as the signature of one peer: its public key and, for a link
    made before keys, its legacy HMAC key until `hmac_until` (never without a limit)."""

    public_key: Ed25519PublicKey | None = None
    hmac_key: bytes | None = None
    hmac_until: datetime | None = None

    def check(self, signed: bytes, body: bytes, tag: str) -> None:
        """Raise SignatureRefused (401) unless `tag` signs `signed` and `body`."""
        message = signed + b"\n" + body
        if tag.startswith(TAG_PREFIX):
            self._check_key(message, tag.removeprefix(TAG_PREFIX))
        else:
            self._check_hmac(message, tag)

    def _check_key(self, message: bytes, signature_hex: str) -> None:
        if self.public_key is None:
            raise SignatureRefused(
                401, "no public key is registered for this sender: run `fedcrm child rotate`"
            )
        try:
            self.public_key.verify(bytes.fromhex(signature_hex), message)
        except (ValueError, InvalidSignature):
            raise SignatureRefused(401, "signature does not match the sender's key") from None

    def _check_hmac(self, message: bytes, tag: str) -> None:
        if self.hmac_key is None or self.hmac_until is None:
            raise SignatureRefused(401, "HMAC tags are not accepted: sign with the node key")
        if datetime.now(UTC) > self.hmac_until:
            raise SignatureRefused(
                401,
                f"the HMAC window closed at {self.hmac_until:%Y-%m-%d %H:%M} UTC: "
                "sign with the node key (`fedcrm child rotate`, docs/operations.md)",
            )
        expected = hmac.new(self.hmac_key, message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, tag):
            raise SignatureRefused(401, "authentication tag does not match the credential")


def request_time(value: str) -> float:
    """A signed request's timestamp as a finite number, else SignatureRefused (400).

    `nan` compares false with everything, so it would never be "too old": a request
    signed once with it could be replayed forever. `inf` and `1e400` are refused too.
    """
    try:
        stamp = float(value)
    except ValueError:
        raise SignatureRefused(400, f"timestamp {value[:40]!r} is not a number") from None
    if not math.isfinite(stamp):
        raise SignatureRefused(400, f"timestamp {value[:40]!r} is not a finite number")
    return stamp


def check_fresh(stamp: float, max_age: float) -> None:
    """Refuse (401) a signed time further than `max_age` seconds from now either way."""
    if not abs(time.time() - stamp) <= max_age:
        raise SignatureRefused(401, "authentication tag is stale (older than allowed); resend")
