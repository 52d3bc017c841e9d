"""当天应注意的电话 (seed 001): callers whose call was lost (abandoned or timed out in
the queue) and who have not been answered since. A later answered call from the same
number clears them, as does a call back to them the desk logged as answered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from node.callcenter.calls import Outcome, QueueCall
from node.customers.identifiers import normalize_phone

LOST = (Outcome.abandoned, Outcome.timeout)


@dataclass
class Callback:
    """One caller to call back: their number, how often and when they were lost."""

    number: str
    lost: int  # calls lost since they were last answered
    first_lost: int  # Unix time of the first of those
    last_lost: int
    longest_wait: int
    queue: str

    def overdue(self, now: int, within_seconds: int) -> bool:
        """Waiting for a call back longer than the office allows."""
        return now - self.first_lost > within_seconds


def caller_number(raw: str) -> str | None:
    """The caller ID as the node stores phone numbers, or None when there is none to
    call (anonymous, withheld, not a number)."""
    try:
        return normalize_phone(raw) if raw and raw.strip() else None
    except ValueError:
        return None


def callbacks_due(calls: Iterable[QueueCall], called_back: dict[str, datetime]) -> list[Callback]:
    """The callers still to call back, the longest waiting first. `called_back` holds,
    per number, the latest answered call the desk made to it."""
    pending: dict[str, Callback] = {}
    for call in sorted(calls, key=lambda c: c.entered):
        number = caller_number(call.caller)
        if number is None:
            continue
        if call.outcome is Outcome.answered:
            pending.pop(number, None)
        elif call.outcome in LOST:
            _add_lost(pending, number, call)
    for number, moment in called_back.items():
        entry = pending.get(number)
        if entry is not None and moment.timestamp() >= entry.last_lost:
            del pending[number]
    return sorted(pending.values(), key=lambda c: (c.first_lost, c.number))


def _add_lost(pending: dict[str, Callback], number: str, call: QueueCall) -> None:
    entry = pending.get(number)
    if entry is None:
        pending[number] = Callback(number, 1, call.entered, call.entered, call.wait, call.queue)
        return
    entry.lost += 1
    entry.last_lost = call.entered
    entry.longest_wait = max(entry.longest_wait, call.wait)
