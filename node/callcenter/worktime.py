"""An agent's working time in a period, from their state changes (issue 20 §7, seed 001's
Worktime): signed-in seconds, not-ready seconds by reason, wrap-up seconds and how many
wrap-ups, so that

    occupancy = (talk + wrap-up) / (signed in - not ready)
    aht       = mean talk of answered calls + mean wrap-up

A state lasts until the agent's next change. A wrap-up longer than the node's maximum
reads as ready after it (as the board shows it), so only the maximum counts as wrap-up.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from node.callcenter.models import AgentState

S = AgentState


@dataclass(frozen=True)
class Change:
    """One state change: when, to what, and a not-ready reason code (or None)."""

    at: datetime
    state: AgentState
    reason: str | None = None


@dataclass
class AgentTime:
    signed_in: int = 0
    not_ready: dict[str, int] = field(default_factory=dict)  # reason ("" none) -> seconds
    wrap_up: int = 0
    wrap_ups: int = 0  # wrap-ups begun in the period

    @property
    def counts(self) -> bool:
        """Whether there is anything in it."""
        return bool(self.signed_in or self.wrap_ups)

    def merge(self, other: AgentTime) -> None:
        self.signed_in += other.signed_in
        self.wrap_up += other.wrap_up
        self.wrap_ups += other.wrap_ups
        for reason, seconds in other.not_ready.items():
            self.not_ready[reason] = self.not_ready.get(reason, 0) + seconds

    @property
    def not_ready_total(self) -> int:
        return sum(self.not_ready.values())

    def shown(self, answered: int, talk: int) -> dict[str, object]:
        """The seconds, with occupancy and AHT from the calls the agent answered."""
        available = self.signed_in - self.not_ready_total
        att = talk / answered if answered else None
        wrap = self.wrap_up / self.wrap_ups if self.wrap_ups else 0.0
        return {
            "signed_in_seconds": self.signed_in,
            "not_ready_seconds": self.not_ready_total,
            "not_ready_by_reason": dict(sorted(self.not_ready.items())),
            "wrap_up_seconds": self.wrap_up,
            "answered": answered,
            "talk_seconds": talk,
            "occupancy": (talk + self.wrap_up) / available if available > 0 else None,
            "aht": att + wrap if att is not None else None,
        }


def agent_time(
    changes: Sequence[Change], low: datetime, high: datetime, wrap_up_max: int
) -> AgentTime:
    """The time of [low, high) from `changes` in time order, which include the agent's
    latest change before `low` (the state they were in when the period began). Times
    count in whole seconds (a change at 10:00:00.7 counts from 10:00:00), so that the
    sums per slot (`time_by_slot`) add up to exactly this."""
    time = AgentTime()
    start, end = _epoch(low), _epoch(high)
    for change, ends in _spans(changes, open_until=end):
        _count(time, change, ends, start, end, wrap_up_max)
    return time


def time_by_slot(
    changes: Sequence[Change], low: int, high: int, wrap_up_max: int, width: int
) -> dict[int, AgentTime]:
    """Each `width`-second slot's share (keyed by the slot's Unix start, slots aligned on
    multiples of `width`) of the *closed* spans of `changes` within [low, high): a change
    lasts until the next one, and the last one's span, still open, is left out: the
    reader adds it up to the moment it asks (node.callcenter.agent_report)."""
    slots: dict[int, AgentTime] = {}
    for change, ends in _spans(changes, open_until=None):
        at = _epoch(change.at)
        first = max(at, low) - max(at, low) % width
        # At least the first slot: a span of no seconds still begins a wrap-up.
        for slot in range(first, max(min(ends, high), first + 1), width):
            time = slots.setdefault(slot, AgentTime())
            _count(time, change, ends, max(low, slot), min(high, slot + width), wrap_up_max)
    return {slot: time for slot, time in slots.items() if time.counts}


def _spans(changes: Sequence[Change], open_until: int | None) -> Iterator[tuple[Change, int]]:
    """Each change with the Unix time its state ended (the next change); the last one
    ends at `open_until`, or is left out when that is None."""
    for i, change in enumerate(changes):
        if i + 1 < len(changes):
            yield change, _epoch(changes[i + 1].at)
        elif open_until is not None:
            yield change, open_until


def _count(time: AgentTime, change: Change, ends: int, low: int, high: int, cap: int) -> None:
    """Add the part of [change, ends) inside [low, high) to `time`."""
    at = _epoch(change.at)
    start, end = max(at, low), min(ends, high)
    if change.state is S.wrap_up and low <= at < high:
        time.wrap_ups += 1
    if end <= start or change.state is S.signed_out:
        return
    time.signed_in += end - start
    if change.state is S.not_ready:
        reason = change.reason or ""
        time.not_ready[reason] = time.not_ready.get(reason, 0) + end - start
    elif change.state is S.wrap_up:
        # A wrap-up longer than the maximum reads as ready after it.
        time.wrap_up += max(0, min(end, at + cap) - start)


def _epoch(moment: datetime) -> int:
    return math.floor(moment.timestamp())
