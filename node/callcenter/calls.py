"""Queue calls put together from their queue_log events, whatever order the lines came
in: one call is one callid in one queue (a call moved to a second queue is offered
there too, as Asterisk counts it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from node.callcenter.queue_log import QueueEvent


class Outcome(StrEnum):
    answered = "answered"
    abandoned = "abandoned"
    timeout = "timeout"  # EXITWITHTIMEOUT
    exit_empty = "exit_empty"  # EXITEMPTY
    exit_key = "exit_key"  # EXITWITHKEY
    waiting = "waiting"  # nothing after ENTERQUEUE yet


# How each ending event ends a call, and which data field holds the caller's wait.
_ENDINGS: dict[str, tuple[Outcome, int]] = {
    "ABANDON": (Outcome.abandoned, 3),
    "EXITWITHTIMEOUT": (Outcome.timeout, 3),
    "EXITEMPTY": (Outcome.exit_empty, 3),
    "EXITWITHKEY": (Outcome.exit_key, 4),
}
_COMPLETIONS = {"COMPLETECALLER", "COMPLETEAGENT"}
_TRANSFERS = {"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}


@dataclass
class QueueCall:
    """What the figures need of one queued call. Times are seconds; `entered` is the
    Unix time of its ENTERQUEUE."""

    callid: str
    queue: str
    entered: int
    caller: str = ""
    outcome: Outcome = Outcome.waiting
    agent: str = ""  # who answered it
    hold: int = 0  # seconds in the queue before it was answered (CONNECT data1)
    ring: int = 0  # seconds the answering phone rang (CONNECT data3)
    talk: int = 0  # seconds talking (COMPLETE* data2, a transfer's calltime)
    wait: int = 0  # seconds waited by a caller who was never answered
    transferred: bool = False

    @property
    def waited(self) -> int:
        """How long the caller waited in the queue, answered or not."""
        return self.hold if self.outcome is Outcome.answered else self.wait


def assemble(events: Iterable[QueueEvent]) -> list[QueueCall]:
    """The calls these events describe: only those whose ENTERQUEUE is among them (a
    call is counted where it entered). Duplicate events must already be removed."""
    by_call: dict[tuple[str, str], list[QueueEvent]] = {}
    for event in events:
        by_call.setdefault((event.callid, event.queue), []).append(event)
    calls = []
    for (callid, queue), own in by_call.items():
        entries = [e for e in own if e.event == "ENTERQUEUE"]
        if not entries:
            continue
        first = min(entries, key=lambda e: e.epoch)
        call = QueueCall(callid, queue, first.epoch, caller=first.field(2))
        for event in sorted(own, key=lambda e: e.epoch):
            _apply(call, event)
        calls.append(call)
    return sorted(calls, key=lambda c: (c.entered, c.callid, c.queue))


def _apply(call: QueueCall, event: QueueEvent) -> None:
    name = event.event
    if name == "CONNECT":
        call.outcome, call.agent = Outcome.answered, event.agent
        call.hold, call.ring = event.seconds(1), event.seconds(3)
    elif name in _COMPLETIONS:
        call.talk = event.seconds(2)
    elif name in _TRANSFERS:
        call.transferred = True
        talk = event.field(4)
        call.talk = int(talk) if talk.isascii() and talk.isdigit() else call.talk
    elif name in _ENDINGS and call.outcome is not Outcome.answered:
        call.outcome, field = _ENDINGS[name]
        call.wait = event.seconds(field)
