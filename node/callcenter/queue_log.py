"""Asterisk's queue_log, line by line: `epoch|callid|queue|agent|EVENT|data1|...|data5`.

What each event's data fields mean is Asterisk's (doc/queuelog.txt, "Queue Logs" in the
Asterisk documentation). Only the fields the figures use are checked as numbers; a line
that is not a queue_log line is reported with why, never guessed at."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# The events that tell a queued call's story, from entering the queue to its end.
CALL_EVENTS = frozenset(
    {
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETECALLER",
        "COMPLETEAGENT",
        "ABANDON",
        "EXITWITHTIMEOUT",
        "EXITEMPTY",
        "EXITWITHKEY",
        "TRANSFER",
        "BLINDTRANSFER",
        "ATTENDEDTRANSFER",
    }
)
# The events fedcrm keeps (issue 20). Others (QUEUESTART, CONFIGRELOAD, AGENTDUMP, ...)
# are counted by name and skipped.
KNOWN_EVENTS = CALL_EVENTS | {
    "RINGNOANSWER",
    "RINGCANCELED",
    "AGENTLOGIN",
    "AGENTLOGOFF",
    "ADDMEMBER",
    "REMOVEMEMBER",
    "PAUSE",
    "UNPAUSE",
    "PAUSEALL",
    "UNPAUSEALL",
}
# The data fields (1-based) each event must carry as whole numbers of seconds (or, for
# RINGNOANSWER, milliseconds), named as Asterisk names them.
NUMERIC_FIELDS: dict[str, tuple[tuple[int, str], ...]] = {
    "CONNECT": ((1, "holdtime"), (3, "ringtime")),
    "COMPLETECALLER": ((1, "holdtime"), (2, "calltime")),
    "COMPLETEAGENT": ((1, "holdtime"), (2, "calltime")),
    "ABANDON": ((3, "waittime"),),
    "EXITWITHTIMEOUT": ((3, "waittime"),),
    "EXITEMPTY": ((3, "waittime"),),
    "EXITWITHKEY": ((4, "waittime"),),
    "RINGNOANSWER": ((1, "ringtime"),),
    "TRANSFER": ((3, "holdtime"), (4, "calltime")),
    "BLINDTRANSFER": ((3, "holdtime"), (4, "calltime")),
}
# 2000-01-01 to 2100-01-01: a clock outside it is a broken line, not a call.
EARLIEST, LATEST = 946_684_800, 4_102_444_800
MAX_NAME = 80  # callid, queue and agent columns
MAX_DATA = 5  # Asterisk writes data1..data5
MAX_VALUE = 200


@dataclass(frozen=True)
class QueueEvent:
    """One queue_log line, as Asterisk wrote it."""

    epoch: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]  # data1.. (missing trailing fields are absent, not empty)
    key: str  # the line's fingerprint: a line seen twice is one event

    def field(self, number: int) -> str:
        """data`number` (1-based), empty when the line has fewer fields."""
        return self.data[number - 1] if len(self.data) >= number else ""

    def seconds(self, number: int) -> int:
        """data`number` as a whole number (checked when the line was read)."""
        value = self.field(number)
        return int(value) if value else 0


class MalformedLine(ValueError):
    """A line that is not a queue_log line; the message says why."""


def parse_line(line: str) -> QueueEvent:
    """One line (without its line break) as an event; MalformedLine when it is not one.
    An event fedcrm does not keep still parses: the caller counts and skips it."""
    parts = line.split("|")
    if len(parts) < 5:
        raise MalformedLine(f"{len(parts)} 个字段，至少需要 5 个 (needs at least 5 fields)")
    epoch_text, callid, queue, agent, event, *data = parts
    if not epoch_text.isascii() or not epoch_text.isdigit():
        raise MalformedLine(f"时间 {epoch_text[:20]!r} 不是 Unix 秒数 (not a Unix time)")
    epoch = int(epoch_text)
    if not EARLIEST <= epoch < LATEST:
        raise MalformedLine(f"时间 {epoch} 不在 2000–2100 年之间 (outside 2000-2100)")
    if not event or not event.isascii() or not event.replace("_", "").isalnum():
        raise MalformedLine(f"事件名 {event[:20]!r} 无效 (not an event name)")
    for name, value in (("callid", callid), ("queue", queue), ("agent", agent)):
        if len(value) > MAX_NAME:
            raise MalformedLine(f"{name} 超过 {MAX_NAME} 个字符 (longer than {MAX_NAME})")
    data = _trimmed(data)
    if len(data) > MAX_DATA or any(len(value) > MAX_VALUE for value in data):
        raise MalformedLine(f"数据字段过多或过长 (more than {MAX_DATA} or too long data fields)")
    for number, name in NUMERIC_FIELDS.get(event, ()):
        value = data[number - 1] if len(data) >= number else ""
        if value and not (value.isascii() and value.isdigit()):
            raise MalformedLine(
                f"{event} 的 data{number}（{name}）{value[:20]!r} 不是整数 (not a whole number)"
            )
    # The fingerprint of what the line says, not of its padding: the same event written
    # with or without empty trailing fields is one event.
    canonical = "|".join([epoch_text, callid, queue, agent, event, *data])
    key = hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()
    return QueueEvent(epoch, callid, queue, agent, event, tuple(data), key)


def _trimmed(data: list[str]) -> list[str]:
    # Asterisk pads to data5 in some versions and not in others: one line, one meaning.
    while data and data[-1] == "":
        data.pop()
    return data
