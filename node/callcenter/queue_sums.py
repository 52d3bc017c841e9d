"""CCmonitor's sums per slot and queue without the agent (`call_queue_figures`).

They are `call_figures` merged over the agents, written beside them whenever a slot is
computed again (node.callcenter.figures_store), so a report by slot, queue or node over
a month reads a row per slot and queue instead of one per agent too. A node that held
call figures before the table existed fills it from them once (`refigure`). Like every
derived row, a row's id is made from what it sums, and only the PBX's node writes it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.callcenter.kpis import Figures
from node.callcenter.models import CallFigures, CallQueueFigures
from node.callcenter.sums_writer import SumsWriter

_NAMESPACE = uuid.UUID("3c1e9f0a-7b2d-4c5e-9a8f-6d4b2e1c0f7a")
SLOT_SECONDS = 900
RANGE_SECONDS = 96 * SLOT_SECONDS  # a day of slots read at once by `refigure`


def queue_figures_id(node: str, start: int, queue: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{node}:{start}:{queue}")


def by_queue(computed: Mapping[tuple[int, str, str], Figures]) -> dict[tuple[int, str], Figures]:
    """Rows per (slot, queue, agent) merged over the agents."""
    merged: dict[tuple[int, str], Figures] = {}
    for (start, queue, _agent), figures in computed.items():
        merged.setdefault((start, queue), Figures()).merge(figures)
    return merged


class QueueSumsWriter:
    """Makes this node's `call_queue_figures` rows of some slots what was computed."""

    def __init__(self, session: Session, sums: tuple[str, ...]) -> None:
        self.session = session
        self.node: str = session.info["node_code"]
        self.sums = sums
        self.writer = SumsWriter(session, CallQueueFigures, sums)

    @property
    def changed(self) -> int:
        return self.writer.changed

    def write(
        self, low: int, high: int, slots: Iterable[int], computed: Mapping[tuple[int, str], Figures]
    ) -> None:
        """Make the rows of `slots` (all within [low, high)) those of `computed`."""
        wanted = set(slots)
        Q = CallQueueFigures
        held = [
            row
            for row in self.session.execute(
                select(Q).where(Q.origin == self.node, Q.slot_start >= low, Q.slot_start < high)
            ).scalars()
            if row.slot_start in wanted
        ]
        rows = {
            queue_figures_id(self.node, start, queue): {
                "slot_start": start,
                "queue": queue[:80],
                **{name: getattr(figures, name) for name in self.sums},
            }
            for (start, queue), figures in computed.items()
            if start in wanted
        }
        self.writer.write(held, rows)


def refigure(session: Session, sums: tuple[str, ...]) -> int:
    """Fill this node's queue sums from its own `call_figures`, a day at a time; returns
    the rows written or changed. Running it again changes nothing."""
    F = CallFigures
    node = session.info["node_code"]
    first, last = session.execute(
        select(func.min(F.slot_start), func.max(F.slot_start)).where(F.origin == node)
    ).one()
    if first is None:
        return 0
    writer = QueueSumsWriter(session, sums)
    columns = [func.max(F.max_wait) if n == "max_wait" else func.sum(getattr(F, n)) for n in sums]
    for low in range(first, last + 1, RANGE_SECONDS):
        high = low + RANGE_SECONDS
        computed: dict[tuple[int, str], Figures] = {}
        for start, queue, *values in session.execute(
            select(F.slot_start, F.queue, *columns)
            .where(F.origin == node, F.slot_start >= low, F.slot_start < high)
            .where(F.deleted_at.is_(None))
            .group_by(F.slot_start, F.queue)
        ):
            computed[(int(start), queue)] = _figures(sums, values)
        slots = {start for start, _ in computed}
        writer.write(low, high, slots, computed)
    session.flush()
    return writer.changed


def _figures(sums: tuple[str, ...], values: Iterable[Any]) -> Figures:
    return Figures(**{name: int(v or 0) for name, v in zip(sums, values, strict=True)})
