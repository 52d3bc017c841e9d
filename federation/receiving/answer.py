"""Answer: what the parent tells a child about one batch, whichever way it came in.

The receiver builds it once (service.receive_batch, or a transport that refused a batch
before reading it whole). HTTP sends body() as the JSON body with `status` as the
response code (endpoints.py); SFTP writes the same object with `status` first into the
answer file the child reads back (sftp/inbox.py). The child reads the same fields from
either (sending/http_transport.py, sftp/client.py): the counts once the batch is durably
applied, or the error, and on an out-of-order refusal the checkpoint to resume from
(docs/federation.md rule 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.receiving.apply import ApplyResult

REJECTED = "batch_rejected"
OUT_OF_ORDER = "out_of_order"


@dataclass(frozen=True)
class Answer:
    status: int  # an HTTP status over both transports
    applied: int = 0
    skipped_older: int = 0
    checkpoint: int | None = None  # what this node holds from the sender, when known
    error: str | None = None  # REJECTED or OUT_OF_ORDER; None when the batch was applied
    message: str = ""

    @classmethod
    def done(cls, result: ApplyResult) -> Answer:
        return cls(200, result.applied, result.skipped_older, result.checkpoint)

    @classmethod
    def refused(cls, status: int, reason: str) -> Answer:
        """Bad data, or a sender this node does not accept: kept in quarantine."""
        return cls(status, error=REJECTED, message=reason)

    @classmethod
    def resend_from(cls, checkpoint: int, reason: str) -> Answer:
        """The batch continues past what this node holds: not bad data, nothing kept."""
        return cls(409, checkpoint=checkpoint, error=OUT_OF_ORDER, message=reason)

    @property
    def ok(self) -> bool:
        return self.error is None

    def body(self) -> dict[str, Any]:
        """The answer as a JSON object: the counts, or the error and any checkpoint."""
        if self.error is None:
            return {
                "applied": self.applied,
                "skipped_older": self.skipped_older,
                "checkpoint": self.checkpoint,
            }
        body: dict[str, Any] = {"error": {"code": self.error, "message": self.message}}
        if self.checkpoint is not None:
            body["checkpoint"] = self.checkpoint
        return body
