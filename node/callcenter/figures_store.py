"""CCmonitor's partial sums (`call_figures`), kept up to date as the PBX's events arrive.

Whatever brings events (a file import, a live post) names what they touched: the calls
(whose 15-minute slot is that of their ENTERQUEUE, however late the line comes), ring-
no-answers and outbound calls. Each touched slot is computed again from everything the
node holds for it and written as one row per queue and agent, with an id derived from
the node, slot, queue and agent (node.callcenter.sums_writer)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.accounts import User
from node.callcenter.agent_names import agents_by_name, member_name
from node.callcenter.calls import assemble
from node.callcenter.cdr import CallRecord
from node.callcenter.kpis import PARTIAL_SLOT, Figures, Rules, partials, slot_start
from node.callcenter.models import CallDetailRecord, CallFigures, QueueLogEvent
from node.callcenter.queue_log import QueueEvent
from node.callcenter.stored_events import IN_CHUNK, stored_events
from node.callcenter.sums_writer import SumsWriter

_NAMESPACE = uuid.UUID("9a4c2b1e-3d5f-4e6a-8b7c-1f2e3d4c5b6a")
SUMS = tuple(f.name for f in fields(Figures))
SLOT = PARTIAL_SLOT.seconds
RANGE_SLOTS = 96  # slots read at once: a day, so a month's import never holds it whole


def figures_id(node: str, start: int, queue: str, agent: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{node}:{start}:{queue}:{agent}")


@dataclass
class Touched:
    """What a batch of events or records changed, for `refresh`."""

    callids: set[str] = field(default_factory=set)
    slots: set[int] = field(default_factory=set)

    def take_events(self, events: Iterable[QueueEvent]) -> None:
        for event in events:
            if event.event == "RINGNOANSWER":
                self.slots.add(slot_start(event.epoch, PARTIAL_SLOT))
            if event.callid != "NONE":
                self.callids.add(event.callid)

    def take_records(self, records: Iterable[CallRecord]) -> None:
        self.slots.update(slot_start(r.start, PARTIAL_SLOT) for r in records)


def refresh(session: Session, touched: Touched, rules: Rules) -> int:
    """Compute the touched slots again and write their rows; returns the rows changed."""
    slots = touched.slots | _entry_slots(session, touched.callids)
    writer = _Writer(session)
    for low, high in _ranges(sorted(slots)):
        computed = _computed(session, low, high, rules)
        writer.write(low, high, slots, {k: v for k, v in computed.items() if k[0] in slots})
    session.flush()
    return writer.changed


def _entry_slots(session: Session, callids: set[str]) -> set[int]:
    wanted = sorted(callids)
    found: set[int] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        epochs = session.execute(
            select(QueueLogEvent.epoch)
            .where(QueueLogEvent.event == "ENTERQUEUE")
            .where(QueueLogEvent.callid.in_(wanted[start : start + IN_CHUNK]))
        ).scalars()
        found.update(slot_start(epoch, PARTIAL_SLOT) for epoch in epochs)
    return found


def _ranges(slots: list[int]) -> Iterator[tuple[int, int]]:
    """[low, high) periods covering `slots`, each at most RANGE_SLOTS long."""
    i = 0
    while i < len(slots):
        low = slots[i]
        while i < len(slots) and slots[i] < low + RANGE_SLOTS * SLOT:
            i += 1
        yield low, slots[i - 1] + SLOT


def _computed(session: Session, low: int, high: int, rules: Rules) -> dict[Any, Figures]:
    entered = (
        select(QueueLogEvent.callid)
        .where(QueueLogEvent.event == "ENTERQUEUE")
        .where(QueueLogEvent.epoch >= low, QueueLogEvent.epoch < high)
    )
    calls = [
        c
        for c in assemble(
            stored_events(session, select(QueueLogEvent).where(QueueLogEvent.callid.in_(entered)))
        )
        if low <= c.entered < high
    ]
    rings = stored_events(
        session,
        select(QueueLogEvent)
        .where(QueueLogEvent.event == "RINGNOANSWER")
        .where(QueueLogEvent.epoch >= low, QueueLogEvent.epoch < high),
    )
    records = [
        CallRecord(r.key, r.start, r.src, r.dst, r.channel, r.disposition, r.duration, r.billsec)
        for r in session.execute(
            select(CallDetailRecord).where(
                CallDetailRecord.start >= low, CallDetailRecord.start < high
            )
        ).scalars()
    ]
    return partials(calls, rings, records, rules)


class _Writer:
    """Writes computed rows over what the node holds for their slots."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.node: str = session.info["node_code"]
        self.users = agents_by_name(session)
        self.groups = dict(
            session.execute(select(User.id, User.agent_group).where(User.origin == self.node)).all()
        )
        self.sums = SumsWriter(session, CallFigures, SUMS)

    @property
    def changed(self) -> int:
        return self.sums.changed

    def write(self, low: int, high: int, slots: set[int], computed: dict[Any, Figures]) -> None:
        """Make the rows of `slots` (within [low, high)) those of `computed`."""
        held = [
            row
            for row in self.session.execute(
                select(CallFigures)
                .where(CallFigures.origin == self.node)
                .where(CallFigures.slot_start >= low, CallFigures.slot_start < high)
            ).scalars()
            if row.slot_start in slots
        ]
        rows = {
            figures_id(self.node, start, queue, agent): {
                **self._keys(start, queue, agent),
                **{name: getattr(figures, name) for name in SUMS},
            }
            for (start, queue, agent), figures in computed.items()
        }
        self.sums.write(held, rows)

    def _keys(self, start: int, queue: str, agent: str) -> dict[str, Any]:
        user_id = self.users.get(member_name(agent)) if agent else None
        return {
            "slot_start": start,
            "queue": queue[:80],
            "agent": agent[:80],
            "user_id": user_id,
            "agent_group": self.groups.get(user_id) if user_id else None,
        }
