"""Asterisk's call detail records as cdr_csv writes them (Master.csv): accountcode, src,
dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end,
duration, billsec, disposition, amaflags, then uniqueid and userfield when configured.
Times are the PBX's local time, which for these offices is Beijing time."""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from node.callcenter.callbacks import caller_number
from node.office_time import OFFICE_TZ

DISPOSITIONS = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"})
FIELDS = 16  # the columns every cdr_csv line has; uniqueid and userfield may follow
EXTENSION = re.compile(r"^[0-9]{2,10}$")
_PEER = re.compile(r"^(?P<peer>[A-Za-z0-9]+/[^-@/]+)")  # SIP/8001-0000002a -> SIP/8001


class MalformedRecord(ValueError):
    """A line that is not a call detail record; the message says why."""


@dataclass(frozen=True)
class CallRecord:
    """One call detail record, as much of it as the figures use."""

    key: str
    start: int  # Unix time
    src: str
    dst: str
    channel: str
    disposition: str
    duration: int
    billsec: int

    @property
    def peer(self) -> str:
        """The calling phone as queue members are named (SIP/8001), from the channel."""
        found = _PEER.match(self.channel)
        return found.group("peer") if found else self.channel

    @property
    def outbound_number(self) -> str | None:
        """The outside number an extension dialled, or None for any other call."""
        if not EXTENSION.match(self.src):
            return None
        return caller_number(self.dst)

    @property
    def answered(self) -> bool:
        return self.disposition == "ANSWERED"


def parse_record(line: str) -> CallRecord:
    """One line of Master.csv; MalformedRecord says what is wrong with it."""
    try:
        fields = next(csv.reader([line], strict=True))
    except (csv.Error, StopIteration) as exc:
        raise MalformedRecord(f"不是 CSV 行 (not a CSV line): {exc}") from None
    if not FIELDS <= len(fields) <= FIELDS + 2:
        raise MalformedRecord(f"{len(fields)} 个字段，应为 16–18 个 (needs 16 to 18 fields)")
    start = _moment(fields[9], "start")
    duration, billsec = _whole(fields[12], "duration"), _whole(fields[13], "billsec")
    if billsec > duration:
        raise MalformedRecord("billsec 大于 duration (billsec exceeds duration)")
    disposition = fields[14]
    if disposition not in DISPOSITIONS:
        raise MalformedRecord(f"disposition {disposition[:20]!r} 无效 (not a disposition)")
    key = hashlib.blake2b(line.rstrip("\r\n").encode(), digest_size=16).hexdigest()
    src, dst, channel = fields[1][:80], fields[2][:80], fields[5][:80]
    return CallRecord(key, start, src, dst, channel, disposition, duration, billsec)


def _moment(text: str, name: str) -> int:
    try:
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise MalformedRecord(f"{name} {text[:25]!r} 不是时间 (not a time)") from None
    return int(moment.replace(tzinfo=OFFICE_TZ).timestamp())


def _whole(text: str, name: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise MalformedRecord(f"{name} {text[:20]!r} 不是整数 (not a whole number)")
    return int(text)
