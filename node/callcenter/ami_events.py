"""Asterisk Manager Interface queue events (Asterisk 13 and later) as queue_log events.

Each AMI event becomes the QueueEvent the same moment's queue_log line gives (Asterisk's
apps/app_queue.c writes both), so the figures, states and screen pops cannot tell a live
event from an imported line:

    AMI event            queue_log     agent        data
    QueueCallerJoin      ENTERQUEUE    NONE         "" | CallerIDNum | Position
    AgentCalled          AGENTCALLED   MemberName   CallerIDNum            (live only: pops)
    AgentConnect         CONNECT       MemberName   HoldTime | DestUniqueid | RingTime
    AgentComplete        COMPLETECALLER / COMPLETEAGENT by Reason caller / agent:
                                       MemberName   HoldTime | TalkTime
                         TRANSFER (Reason transfer) MemberName  "" | "" | HoldTime | TalkTime
    QueueCallerAbandon   ABANDON       NONE         Position | OriginalPosition | HoldTime
    AgentRingNoAnswer    RINGNOANSWER  MemberName   RingTime (milliseconds, as queue_log)
    QueueMemberPause     PAUSE / UNPAUSE by Paused  PausedReason (older: Reason)
    QueueMemberAdded     ADDMEMBER     MemberName
    QueueMemberRemoved   REMOVEMEMBER  MemberName

The callid is the caller's channel Uniqueid (queue_log writes the same); the agent is the
member's name as queue_log writes it (MemberName, which Asterisk sets to the Interface when
the member was added without a name). AgentConnect's DestUniqueid is the answering
channel's, as in queue_log's CONNECT data2.

What AMI cannot say: a caller who leaves by timeout, an empty queue or a key sends only
QueueCallerLeave, which carries no reason and no wait (an answered or abandoned caller
sends it too). So QueueCallerLeave is counted and not kept, and such a call stays
"waiting" in the live figures until the queue_log file is imported (`fedcrm cti import`):
its EXITWITHTIMEOUT / EXITEMPTY / EXITWITHKEY line ends the call, and the calls are
put together per callid, so the overlap of the two sources counts each call once.
AgentComplete carries no original position nor, for a transfer, the extension: those
data fields stay empty.

Time: the event's `Timestamp` header when Asterisk sends it (manager.conf
`timestampevents = yes`, recommended), otherwise the moment it was received. The key
(what makes an event seen twice one row): with a Timestamp, the queue_log line's own
fingerprint, so the same event received again after a reconnect, or read from the
queue_log file in the same second, is one row; without one, the fingerprint of the
event's headers, which differ between two real events (Uniqueid, positions, times,
CallsTaken, LastPause).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from node.callcenter.queue_log import MalformedLine, QueueEvent, parse_line

_NUMBER = re.compile(r"^[0-9]{1,12}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,9})?$")
_SEPARATORS = ("|", "\n", "\r")
NO_CALLER = "<unknown>"  # Asterisk's CallerIDNum when the caller sent none


class MalformedEvent(ValueError):
    """An AMI queue event fedcrm cannot read; the message says why."""


class _Fields:
    """Checked access to one event's headers (case-insensitive, as AMI's are)."""

    def __init__(self, headers: Mapping[str, Any]) -> None:
        self._values: dict[str, str] = {}
        for name, value in headers.items():
            if not isinstance(value, str):  # a header given twice: not what Asterisk sends
                raise MalformedEvent(f"{name} 出现多次 (header repeated)")
            if any(mark in value for mark in _SEPARATORS):
                raise MalformedEvent(f"{name} 含 | 或换行 (contains | or a line break)")
            self._values[str(name).lower()] = value.strip()

    def text(self, name: str, required: bool = True) -> str:
        value = self._values.get(name.lower(), "")
        if required and not value:
            raise MalformedEvent(f"缺少 {name} (missing {name})")
        return value

    def number(self, name: str) -> str:
        value = self.text(name)
        if not _NUMBER.match(value):
            raise MalformedEvent(f"{name} {value[:20]!r} 不是整数 (not a whole number)")
        return str(int(value))

    def member(self) -> str:
        return self.text("MemberName", required=False) or self.text("Interface")

    def items(self) -> list[tuple[str, str]]:
        return sorted(self._values.items())


# event name -> (queue_log event (from the headers), agent, data)
_Mapping = Callable[[_Fields], tuple[str, str, list[str]]]


def _join(f: _Fields) -> tuple[str, str, list[str]]:
    caller = f.text("CallerIDNum", required=False)
    return "ENTERQUEUE", "NONE", ["", "" if caller == NO_CALLER else caller, f.number("Position")]


def _called(f: _Fields) -> tuple[str, str, list[str]]:
    caller = f.text("CallerIDNum", required=False)
    return "AGENTCALLED", f.member(), ["" if caller == NO_CALLER else caller]


def _connect(f: _Fields) -> tuple[str, str, list[str]]:
    bridged = f.text("DestUniqueid", required=False)
    return "CONNECT", f.member(), [f.number("HoldTime"), bridged, f.number("RingTime")]


def _complete(f: _Fields) -> tuple[str, str, list[str]]:
    hold, talk, reason = f.number("HoldTime"), f.number("TalkTime"), f.text("Reason").lower()
    if reason == "caller":
        return "COMPLETECALLER", f.member(), [hold, talk]
    if reason == "agent":
        return "COMPLETEAGENT", f.member(), [hold, talk]
    if reason == "transfer":
        return "TRANSFER", f.member(), ["", "", hold, talk]
    raise MalformedEvent(f"Reason {reason[:20]!r} 不是 caller/agent/transfer (unknown reason)")


def _abandon(f: _Fields) -> tuple[str, str, list[str]]:
    data = [f.number("Position"), f.number("OriginalPosition"), f.number("HoldTime")]
    return "ABANDON", "NONE", data


def _ring_no_answer(f: _Fields) -> tuple[str, str, list[str]]:
    return "RINGNOANSWER", f.member(), [f.number("RingTime")]


def _pause(f: _Fields) -> tuple[str, str, list[str]]:
    paused = f.text("Paused").lower()
    if paused not in ("1", "0", "true", "false"):
        raise MalformedEvent(f"Paused {paused[:20]!r} 不是 1 或 0 (not 1 or 0)")
    if paused in ("0", "false"):
        return "UNPAUSE", f.member(), [""]
    reason = f.text("PausedReason", required=False) or f.text("Reason", required=False)
    return "PAUSE", f.member(), [reason]


def _member_added(f: _Fields) -> tuple[str, str, list[str]]:
    return "ADDMEMBER", f.member(), [""]


def _member_removed(f: _Fields) -> tuple[str, str, list[str]]:
    return "REMOVEMEMBER", f.member(), [""]


_MAPPINGS: dict[str, _Mapping] = {
    "queuecallerjoin": _join,
    "agentcalled": _called,
    "agentconnect": _connect,
    "agentcomplete": _complete,
    "queuecallerabandon": _abandon,
    "agentringnoanswer": _ring_no_answer,
    "queuememberpause": _pause,
    "queuememberadded": _member_added,
    "queuememberremoved": _member_removed,
}
_CALLER_EVENTS = frozenset(
    {
        "queuecallerjoin",
        "agentcalled",
        "agentconnect",
        "agentcomplete",
        "queuecallerabandon",
        "agentringnoanswer",
    }
)
# Followed but not kept (see the module's docstring): counted as received only.
SKIPPED = frozenset({"QueueCallerLeave"})
FOLLOWED = (
    "QueueCallerJoin",
    "AgentCalled",
    "AgentConnect",
    "AgentComplete",
    "QueueCallerAbandon",
    "AgentRingNoAnswer",
    "QueueMemberPause",
    "QueueMemberAdded",
    "QueueMemberRemoved",
    *sorted(SKIPPED),
)


def translate(headers: Mapping[str, Any], received: float) -> QueueEvent | None:
    """The queue_log event an AMI event stands for; None for a followed event fedcrm does
    not keep (QueueCallerLeave) or one it does not follow. `received` is the Unix time it
    arrived, used when the event carries no Timestamp. MalformedEvent says what is wrong."""
    fields = _Fields(headers)
    name = fields.text("Event").lower()
    mapping = _MAPPINGS.get(name)
    if mapping is None:
        return None
    event, agent, data = mapping(fields)
    callid = fields.text("Uniqueid") if name in _CALLER_EVENTS else "NONE"
    stamp = fields.text("Timestamp", required=False)
    if stamp and not _TIMESTAMP.match(stamp):
        raise MalformedEvent(f"Timestamp {stamp[:30]!r} 不是 Unix 时间 (not a Unix time)")
    epoch = int(float(stamp)) if stamp else int(received)
    line = "|".join([str(epoch), callid, fields.text("Queue"), agent, event, *data])
    try:
        parsed = parse_line(line)
    except MalformedLine as exc:
        raise MalformedEvent(str(exc)) from None
    if stamp:
        return parsed  # the queue_log line's own key
    digest = hashlib.blake2b(digest_size=16)
    for key, value in fields.items():
        digest.update(f"{key}\x00{value}\x00".encode())
    return dataclasses.replace(parsed, key=digest.hexdigest())
