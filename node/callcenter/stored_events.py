"""Queue events as the node keeps them (cti_queue_events), read back as QueueEvents."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from node.callcenter.models import QueueLogEvent
from node.callcenter.queue_log import QueueEvent

# Bound parameters per IN list: well under SQLite's 32,766 and PostgreSQL's 65,535.
IN_CHUNK = 2000


def stored_events(session: Session, stmt: Select) -> Iterator[QueueEvent]:
    """The QueueLogEvent rows `stmt` selects, as the parser gave them."""
    for row in session.execute(stmt).scalars():
        data = tuple(getattr(row, f"data{n}") for n in range(1, 6))
        yield QueueEvent(row.epoch, row.callid, row.queue, row.agent, row.event, data, row.key)


def events_of_calls(session: Session, callids: Iterable[str]) -> Iterator[QueueEvent]:
    """Every stored event of these calls, whichever batch or file brought it."""
    wanted = sorted(set(callids))
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        yield from stored_events(
            session, select(QueueLogEvent).where(QueueLogEvent.callid.in_(chunk))
        )
