"""An agent's working time in a period, from their state changes (issue 20 §7, seed 001's
Worktime): signed-in seconds, not-ready seconds by reason, wrap-up seconds and how many
wrap-ups, so that

    occupancy = (talk + wrap-up) / (signed in - not ready)
    aht       = mean talk of answered calls + mean wrap-up

A state lasts until the agent's next change. A wrap-up longer than the node's maximum
reads as ready after it (as the board shows it), so only the maximum counts as wrap-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
    latest change before `low` (the state they were in when the period began)."""
    time = AgentTime()
    cap = timedelta(seconds=wrap_up_max)
    for i, change in enumerate(changes):
        ends = changes[i + 1].at if i + 1 < len(changes) else high
        start, end = max(change.at, low), min(ends, high)
        if change.state is S.wrap_up and low <= change.at < high:
            time.wrap_ups += 1
        if end <= start or change.state is S.signed_out:
            continue
        time.signed_in += _seconds(end - start)
        if change.state is S.not_ready:
            reason = change.reason or ""
            time.not_ready[reason] = time.not_ready.get(reason, 0) + _seconds(end - start)
        elif change.state is S.wrap_up:
            wrap_end = min(end, change.at + cap)
            time.wrap_up += _seconds(wrap_end - start) if wrap_end > start else 0
    return time


def _seconds(span: timedelta) -> int:
    return int(span.total_seconds())
