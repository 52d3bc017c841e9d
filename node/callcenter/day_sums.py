"""CCmonitor's sums per office day, queue and agent (`call_day_figures`).

They are `call_figures` merged over each office day (Asia/Shanghai), written beside them
whenever a slot is computed again (node.callcenter.figures_store): the touched agents'
rows of the touched days are summed again from the 15-minute rows the node holds, so a
day row is always the merge of its slots, and a report by day and agent or group over a
month reads a row per day instead of 96. A node that held call figures before the table
existed fills it from them once (`refigure_days`). Like every derived row, a row's id is
made from what it sums, and only the PBX's node writes it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.callcenter.kpis import Slot, slot_start
from node.callcenter.models import CallDayFigures, CallFigures
from node.callcenter.sums_writer import SumsWriter

_NAMESPACE = uuid.UUID("b7e2d4a1-6c3f-4a8e-9d1b-5f0c2e7a3b94")
DAY = Slot.day.seconds
Agents = set[str] | None  # the agents whose day rows to sum again; None: every agent


def day_figures_id(
    node: str, day: int, queue: str, agent: str, user_id: uuid.UUID | None, group: str | None
) -> uuid.UUID:
    """The id of a day row: everything it is keyed by, so summing a day again finds it."""
    user = user_id.hex if user_id is not None else ""
    return uuid.uuid5(_NAMESPACE, f"{node}:{day}:{queue}:{agent}:{user}:{group or ''}")


def touched_days(slots_and_agents: Iterable[tuple[int, str]]) -> dict[int, set[str]]:
    """The office days of some (15-minute slot, agent) pairs, each with its agents."""
    days: dict[int, set[str]] = {}
    for start, agent in slots_and_agents:
        days.setdefault(slot_start(start, Slot.day), set()).add(agent)
    return days


class DaySumsWriter:
    """Makes this node's `call_day_figures` rows the merge of its `call_figures` rows."""

    def __init__(self, session: Session, sums: tuple[str, ...]) -> None:
        self.session = session
        self.node: str = session.info["node_code"]
        self.sums = sums
        self.writer = SumsWriter(session, CallDayFigures, sums)

    @property
    def changed(self) -> int:
        return self.writer.changed

    def write(self, days: Mapping[int, Agents]) -> None:
        """Sum each day's rows of its agents again from the 15-minute rows."""
        self.session.flush()  # the slots just written are read back
        for day, agents in sorted(days.items(), key=lambda item: item[0]):
            self.writer.write(self._held(day, agents), self._computed(day, agents))

    def _held(self, day: int, agents: Agents) -> list[CallDayFigures]:
        D = CallDayFigures
        stmt = select(D).where(D.origin == self.node, D.slot_start == day)
        if agents is not None:
            stmt = stmt.where(D.agent.in_(agents))
        return list(self.session.execute(stmt).scalars())

    def _computed(self, day: int, agents: Agents) -> dict[uuid.UUID, dict[str, Any]]:
        F = CallFigures
        keys = (F.queue, F.agent, F.user_id, F.agent_group)
        columns = [
            func.max(F.max_wait) if n == "max_wait" else func.sum(getattr(F, n)) for n in self.sums
        ]
        stmt = (
            select(*keys, *columns)
            .where(F.origin == self.node, F.slot_start >= day, F.slot_start < day + DAY)
            .where(F.deleted_at.is_(None))
            .group_by(*keys)
        )
        if agents is not None:  # by the (agent, slot_start) index: a few agents' rows
            stmt = stmt.where(F.agent.in_(agents))
        rows: dict[uuid.UUID, dict[str, Any]] = {}
        for queue, agent, user_id, group, *values in self.session.execute(stmt):
            sums = {name: int(v or 0) for name, v in zip(self.sums, values, strict=True)}
            if not any(sums.values()):  # slots set to zero merge as nothing: no new row
                continue
            keyed = {"queue": queue, "agent": agent, "user_id": user_id, "agent_group": group}
            row_id = day_figures_id(self.node, day, queue, agent, user_id, group)
            rows[row_id] = {"slot_start": day, **keyed, **sums}
        return rows


def refigure_days(session: Session, sums: tuple[str, ...]) -> int:
    """Fill this node's day sums from its own `call_figures`, a day at a time; returns
    the rows written or changed. Running it again changes nothing."""
    F = CallFigures
    node = session.info["node_code"]
    first, last = session.execute(
        select(func.min(F.slot_start), func.max(F.slot_start)).where(F.origin == node)
    ).one()
    if first is None:
        return 0
    writer = DaySumsWriter(session, sums)
    for day in range(slot_start(first, Slot.day), last + 1, DAY):
        writer.write({day: None})
    session.flush()
    return writer.changed
