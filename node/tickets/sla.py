"""Reading a ticket against its SLA: how long is left, or, once it is done, whether it was
met and by how much.

A resolved or closed ticket is judged by when it was resolved (closing only confirms a
resolution); one closed without ever being resolved by when it was closed. Its due time
stays what it was at that moment, so the reading never changes afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# Left of the SLA below this share of its whole window: "due soon".
DUE_SOON_SHARE = 0.25


class SlaState(StrEnum):
    ok = "ok"
    soon = "soon"  # open, less than DUE_SOON_SHARE of its window left
    overdue = "overdue"  # open, past its due time
    met = "met"  # done by its due time
    missed = "missed"  # done after its due time


@dataclass(frozen=True)
class SlaReading:
    state: SlaState
    # Open: seconds until due (negative when overdue). Done: seconds between its due time
    # and when it was done (positive: that much early; negative: that much late).
    seconds: int

    @property
    def done(self) -> bool:
        return self.state in (SlaState.met, SlaState.missed)


def read_sla(
    created_at: datetime,
    due_at: datetime,
    resolved_at: datetime | None,
    closed_at: datetime | None,
    now: datetime,
) -> SlaReading:
    """The SLA reading of a ticket at `now` (all times aware)."""
    finished = resolved_at or closed_at
    if finished is not None:
        margin = int((due_at - finished).total_seconds())
        return SlaReading(SlaState.met if margin >= 0 else SlaState.missed, margin)
    left = int((due_at - now).total_seconds())
    if left < 0:
        return SlaReading(SlaState.overdue, left)
    window = (due_at - created_at).total_seconds()
    soon = window > 0 and left < window * DUE_SOON_SHARE
    return SlaReading(SlaState.soon if soon else SlaState.ok, left)
