"""Agents' working time per office day (`agent_time_day_figures`).

They are `agent_time_figures` merged over each office day (Asia/Shanghai), written beside
them whenever an agent's slots are computed again (node.callcenter.agent_time_store):
that agent's touched days are summed again from the 15-minute rows the node holds, so a
day row is always the merge of its slots, and the Worktime of a period on whole days
reads a row per agent, reason and day instead of 96. A node that held working time
before the table existed fills it from it once (`refigure_time_days`). A row's id is
made from what it sums, and only the agent's node writes it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.callcenter.kpis import Slot, slot_start
from node.callcenter.models import AgentTimeDayFigures, AgentTimeFigures
from node.callcenter.sums_writer import SumsWriter

_NAMESPACE = uuid.UUID("e41c9b27-8d05-4f6a-b3e2-7a9c1d5f0e68")
DAY = Slot.day.seconds


def time_day_figures_id(node: str, day: int, user_id: uuid.UUID, reason: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{node}:{day}:{user_id.hex}:{reason}")


def office_days(starts: Iterable[int]) -> set[int]:
    """The office days of some 15-minute slots."""
    return {slot_start(start, Slot.day) for start in starts}


class TimeDaysWriter:
    """Makes this node's `agent_time_day_figures` rows the merge of its
    `agent_time_figures` rows."""

    def __init__(self, session: Session, sums: tuple[str, ...]) -> None:
        self.session = session
        self.node: str = session.info["node_code"]
        self.sums = sums
        self.writer = SumsWriter(session, AgentTimeDayFigures, sums)

    @property
    def changed(self) -> int:
        return self.writer.changed

    def write(self, days: Iterable[int], user_id: uuid.UUID | None) -> None:
        """Sum the days of one agent (every agent: None) again from the 15-minute rows."""
        self.session.flush()  # the slots just written are read back
        for day in days:
            self.writer.write(self._held(day, user_id), self._computed(day, user_id))

    def _held(self, day: int, user_id: uuid.UUID | None) -> list[AgentTimeDayFigures]:
        D = AgentTimeDayFigures
        stmt = select(D).where(D.origin == self.node, D.slot_start == day)
        if user_id is not None:
            stmt = stmt.where(D.user_id == user_id)
        return list(self.session.execute(stmt).scalars())

    def _computed(self, day: int, user_id: uuid.UUID | None) -> dict[uuid.UUID, dict[str, Any]]:
        F = AgentTimeFigures
        stmt = (
            select(F.user_id, F.reason, *(func.sum(getattr(F, n)) for n in self.sums))
            .where(F.origin == self.node, F.slot_start >= day, F.slot_start < day + DAY)
            .where(F.deleted_at.is_(None))
            .group_by(F.user_id, F.reason)
        )
        if user_id is not None:  # by the (user_id, slot_start) index: one agent's rows
            stmt = stmt.where(F.user_id == user_id)
        rows: dict[uuid.UUID, dict[str, Any]] = {}
        for user, reason, *values in self.session.execute(stmt):
            sums = {name: int(v or 0) for name, v in zip(self.sums, values, strict=True)}
            if any(sums.values()):  # slots set to zero merge as nothing: no new row
                row_id = time_day_figures_id(self.node, day, user, reason)
                rows[row_id] = {"slot_start": day, "user_id": user, "reason": reason, **sums}
        return rows


def refigure_time_days(session: Session, sums: tuple[str, ...]) -> int:
    """Fill this node's working time per day from its own `agent_time_figures`, a day at
    a time; returns the rows written or changed. Running it again changes nothing."""
    F = AgentTimeFigures
    node = session.info["node_code"]
    first, last = session.execute(
        select(func.min(F.slot_start), func.max(F.slot_start)).where(F.origin == node)
    ).one()
    if first is None:
        return 0
    writer = TimeDaysWriter(session, sums)
    writer.write(range(slot_start(first, Slot.day), last + 1, DAY), None)
    session.flush()
    return writer.changed
