"""CCmonitor's partial sums (`call_figures`), kept up to date as the PBX's events arrive.

Whatever brings events (a file import, a live post) names what they touched: the calls
(whose 15-minute slot is that of their ENTERQUEUE, however late the line comes), ring-
no-answers and outbound calls. Each touched slot is computed again from everything the
node holds for it and written as one row per queue and agent, with an id derived from
the node, slot, queue and agent (node.callcenter.sums_writer), and the same merged over
the agents as one row per queue (node.callcenter.queue_sums), and the touched agents'
days summed again from their slots (node.callcenter.day_sums)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from node.auth.accounts import User
from node.callcenter.agent_names import agents_by_name, member_name
from node.callcenter.calls import QueueCall, assemble
from node.callcenter.cdr import CallRecord
from node.callcenter.day_sums import DaySumsWriter, touched_days
from node.callcenter.kpis import (
    OFFICE_OFFSET,
    PARTIAL_SLOT,
    Figures,
    Rules,
    partials,
    slot_start,
)
from node.callcenter.models import CallDetailRecord, CallFigures, QueueLogEvent
from node.callcenter.queue_log import QueueEvent
from node.callcenter.queue_sums import QueueSumsWriter, by_queue
from node.callcenter.stored_events import stored_events
from node.callcenter.sums_writer import SumsWriter

_NAMESPACE = uuid.UUID("9a4c2b1e-3d5f-4e6a-8b7c-1f2e3d4c5b6a")
SUMS = tuple(f.name for f in fields(Figures))
SLOT = PARTIAL_SLOT.seconds
RANGE_SLOTS = 96  # slots read at once: a day, so a month's import never holds it whole


def figures_id(node: str, start: int, queue: str, agent: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{node}:{start}:{queue}:{agent}")


@dataclass
class Touched:
    """What a batch of events or records changed, for `refresh`: the queue calls they
    touched, put together whole (every stored line of theirs), and the slots of their
    ring-no-answers and outbound calls."""

    calls: dict[tuple[str, str], QueueCall] = field(default_factory=dict)
    slots: set[int] = field(default_factory=set)

    def take_events(self, events: Iterable[QueueEvent]) -> None:
        self.slots.update(
            slot_start(e.epoch, PARTIAL_SLOT) for e in events if e.event == "RINGNOANSWER"
        )

    def take_calls(self, calls: Iterable[QueueCall]) -> None:
        """Calls put together from all their stored lines; a later version replaces."""
        self.calls.update(((c.callid, c.queue), c) for c in calls)

    def take_records(self, records: Iterable[CallRecord]) -> None:
        self.slots.update(slot_start(r.start, PARTIAL_SLOT) for r in records)


def refresh(session: Session, touched: Touched, rules: Rules) -> int:
    """Compute the touched slots again and write their rows; returns the rows changed.
    A period whose calls all came in `touched` (counted against the lines stored: the
    usual case when a file is imported) is computed from them; otherwise its calls are
    put together again from the stored lines."""
    entering: dict[int, list[QueueCall]] = {}
    for call in touched.calls.values():
        entering.setdefault(slot_start(call.entered, PARTIAL_SLOT), []).append(call)
    slots = touched.slots | set(entering)
    writer = _Writer(session)
    for low, high in _ranges(sorted(slots)):
        known = [c for start in range(low, high, SLOT) for c in entering.get(start, ())]
        if _calls_entering(session, low, high) != len(known):
            known = _stored_calls(session, low, high)
        computed = _computed(session, low, high, known, rules)
        writer.write(low, high, slots, {k: v for k, v in computed.items() if k[0] in slots})
    session.flush()
    return writer.changed


def _ranges(slots: list[int]) -> Iterator[tuple[int, int]]:
    """[low, high) periods covering `slots`, each at most RANGE_SLOTS long."""
    i = 0
    while i < len(slots):
        low = slots[i]
        while i < len(slots) and slots[i] < low + RANGE_SLOTS * SLOT:
            i += 1
        yield low, slots[i - 1] + SLOT


def _entered(low: int, high: int) -> Select:
    return (
        select(QueueLogEvent.callid, QueueLogEvent.queue)
        .where(QueueLogEvent.event == "ENTERQUEUE")
        .where(QueueLogEvent.epoch >= low, QueueLogEvent.epoch < high)
    )


def _calls_entering(session: Session, low: int, high: int) -> int:
    """How many calls (callid and queue) have an ENTERQUEUE line in [low, high)."""
    return (
        session.scalar(select(func.count()).select_from(_entered(low, high).distinct().subquery()))
        or 0
    )


def _stored_calls(session: Session, low: int, high: int) -> list[QueueCall]:
    callids = _entered(low, high).with_only_columns(QueueLogEvent.callid)
    stored = stored_events(session, select(QueueLogEvent).where(QueueLogEvent.callid.in_(callids)))
    return [c for c in assemble(stored) if low <= c.entered < high]


def _computed(
    session: Session, low: int, high: int, calls: list[QueueCall], rules: Rules
) -> dict[Any, Figures]:
    records = [
        CallRecord(r.key, r.start, r.src, r.dst, r.channel, r.disposition, r.duration, r.billsec)
        for r in session.execute(
            select(CallDetailRecord).where(
                CallDetailRecord.start >= low, CallDetailRecord.start < high
            )
        ).scalars()
    ]
    rows = partials(calls, (), records, rules)
    # Ring-no-answers only count: counted by the database, not read line by line.
    E = QueueLogEvent
    start = E.epoch - (E.epoch + OFFICE_OFFSET) % SLOT
    rings = session.execute(
        select(start, E.queue, E.agent, func.count())
        .where(E.event == "RINGNOANSWER", E.epoch >= low, E.epoch < high)
        .group_by(start, E.queue, E.agent)
    )
    for slot, queue, agent, count in rings:
        rows.setdefault((int(slot), queue, agent), Figures()).ring_no_answer += count
    return rows


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
        self.queue_sums = QueueSumsWriter(session, SUMS)
        self.day_sums = DaySumsWriter(session, SUMS)

    @property
    def changed(self) -> int:
        return self.sums.changed + self.queue_sums.changed + self.day_sums.changed

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
        # The days of the rows before and after: an agent whose slot row went to zero
        # has a day row to lower too.
        days = touched_days(
            [(row.slot_start, row.agent) for row in held]
            + [(values["slot_start"], values["agent"]) for values in rows.values()]
        )
        self.sums.write(held, rows)
        self.queue_sums.write(low, high, slots, by_queue(computed))
        self.day_sums.write(days)

    def _keys(self, start: int, queue: str, agent: str) -> dict[str, Any]:
        user_id = self.users.get(member_name(agent)) if agent else None
        return {
            "slot_start": start,
            "queue": queue[:80],
            "agent": agent[:80],
            "user_id": user_id,
            "agent_group": self.groups.get(user_id) if user_id else None,
        }
