"""The work-order text a technician's telephone shows."""

from __future__ import annotations

from datetime import datetime

from node.office_time import OFFICE_TZ

# Two concatenated UCS-2 parts carry 67 characters each (the rest of 70 is the
# concatenation header): a dispatch reads in at most two parts on any handset.
MAX_CHARS = 134
ELLIPSIS = "…"


def dispatch_text(ticket_no: str, kind: str, address: str | None, due_at: datetime) -> str:
    """「工单 N 类型:K 地址:A 时限:MM-DD HH:MM」, due time in office time (Asia/Shanghai).

    The address is what gets shortened when the whole would not fit in MAX_CHARS: the
    ticket number, kind and due time are what the technician cannot do without."""
    due = due_at.astimezone(OFFICE_TZ).strftime("%m-%d %H:%M")
    head = f"工单 {ticket_no} 类型:{kind} 地址:"
    tail = f" 时限:{due}"
    room = MAX_CHARS - len(head) - len(tail)
    place = " ".join((address or "无").split())  # no line breaks on a small screen
    if len(place) > room:
        place = place[: max(room - 1, 0)] + ELLIPSIS
    return f"{head}{place}{tail}"
