"""Queue events as the node keeps them (cti_queue_events), read back as QueueEvents."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from node.callcenter.models import QueueLogEvent
from node.callcenter.queue_log import QueueEvent

# Bound parameters per IN list: well under SQLite's 32,766 and PostgreSQL's 65,535.
IN_CHUNK = 2000


_COLUMNS = (
    QueueLogEvent.epoch,
    QueueLogEvent.callid,
    QueueLogEvent.queue,
    QueueLogEvent.agent,
    QueueLogEvent.event,
    QueueLogEvent.data1,
    QueueLogEvent.data2,
    QueueLogEvent.data3,
    QueueLogEvent.data4,
    QueueLogEvent.data5,
    QueueLogEvent.key,
)


def stored_events(session: Session, stmt: Select) -> Iterator[QueueEvent]:
    """The QueueLogEvent rows `stmt` selects, as the parser gave them. Read as plain
    columns: a month's import reads millions back, and ORM objects cost several times
    as much to build."""
    columns = stmt.with_only_columns(*_COLUMNS)
    for epoch, callid, queue, agent, event, d1, d2, d3, d4, d5, key in session.execute(columns):
        data = _trimmed((d1, d2, d3, d4, d5))
        yield QueueEvent(epoch, callid, queue, agent, event, data, key)


def _trimmed(data: tuple[str, ...]) -> tuple[str, ...]:
    """The data fields as the line had them: trailing empty ones are absent."""
    end = len(data)
    while end and not data[end - 1]:
        end -= 1
    return data[:end]


def events_of_calls(session: Session, callids: Iterable[str]) -> Iterator[QueueEvent]:
    """Every stored event of these calls, whichever batch or file brought it."""
    wanted = sorted(set(callids))
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        yield from stored_events(
            session, select(QueueLogEvent).where(QueueLogEvent.callid.in_(chunk))
        )


def held_callids(session: Session, callids: Iterable[str]) -> set[str]:
    """The calls among these that the node already holds a line of (read off the
    (callid, queue) index: no row is read)."""
    wanted = sorted(set(callids))
    held: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        held.update(
            session.execute(
                select(QueueLogEvent.callid).distinct().where(QueueLogEvent.callid.in_(chunk))
            ).scalars()
        )
    return held
