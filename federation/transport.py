"""The contract between a sender and a way to reach its parent, and the errors it raises.

It sits beside the packages rather than in sending/ because both implementations use
it: sending/http_transport.py and sftp/client.py. sending/setup.py builds either one, so
sending depends on sftp; were the contract inside sending, sftp would depend on sending
too, and the two packages would import each other.
"""

from __future__ import annotations

from typing import Protocol


class TransientError(Exception):
    """Worth retrying later: the parent is down, busy or unreachable."""


class AwaitingAcknowledgement(TransientError):
    """The batch was delivered but the parent has not answered yet (SFTP inbox not yet
    ingested). Retrying at once would only upload it again: wait for the next cycle."""


class PermanentRejection(Exception):
    """The parent refused the batch for a reason a retry will not fix."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


class Transport(Protocol):
    name: str

    def send(self, manifest_header: str, tag: str, body: bytes) -> dict:
        """Deliver one batch; return the parent's answer once it is durably applied."""
        ...

    def checkpoint(self) -> dict[str, int]:
        """What the parent holds from this node, per table."""
        ...

    def close(self) -> None: ...
