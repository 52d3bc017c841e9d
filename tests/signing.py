"""Keys for tests that play a child or a parent without a node directory."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.batches.signatures import Signer, public_key_text


def new_signer() -> tuple[Signer, str]:
    """A fresh Ed25519 key: the Signer a node would sign with, and its public key."""
    key = Ed25519PrivateKey.generate()
    return Signer(private_key=key), public_key_text(key)
