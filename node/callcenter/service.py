"""The call-center figures of a period, read from the node's telephone events."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from node.callcenter.calls import QueueCall, assemble
from node.callcenter.kpis import Report, Rules, compute
from node.callcenter.models import QueueLogEvent
from node.callcenter.queue_log import QueueEvent
from node.callcenter.schemas import KpiQuery
from node.settings import CallcenterSection


def rules_of(section: CallcenterSection) -> Rules:
    """The thresholds node.toml sets."""
    return Rules(section.service_level_seconds, section.short_abandon_seconds)


def kpi_report(session: Session, query: KpiQuery, rules: Rules) -> Report:
    """The figures of the calls that entered a queue in the query's period, only the
    query's queue's or only those its agent answered when it names them."""
    (start, end), queue, agent = query.epochs, query.queue, query.agent
    entered = (
        select(QueueLogEvent.callid)
        .where(QueueLogEvent.event == "ENTERQUEUE")
        .where(QueueLogEvent.epoch >= start, QueueLogEvent.epoch < end)
    )
    if queue is not None:
        entered = entered.where(QueueLogEvent.queue == queue)
    calls = _calls(session, select(QueueLogEvent).where(QueueLogEvent.callid.in_(entered)))
    calls = [c for c in calls if start <= c.entered < end and queue in (None, c.queue)]
    calls = [c for c in calls if agent is None or c.agent == agent]
    rings = (
        select(QueueLogEvent)
        .where(QueueLogEvent.event == "RINGNOANSWER")
        .where(QueueLogEvent.epoch >= start, QueueLogEvent.epoch < end)
    )
    if queue is not None:
        rings = rings.where(QueueLogEvent.queue == queue)
    if agent is not None:
        rings = rings.where(QueueLogEvent.agent == agent)
    return compute(calls, _events(session, rings), query.slot, query.group_by, rules)


def _calls(session: Session, stmt: Select) -> list[QueueCall]:
    return assemble(_events(session, stmt))


def _events(session: Session, stmt: Select) -> Iterator[QueueEvent]:
    for row in session.execute(stmt).scalars():
        data = tuple(getattr(row, f"data{n}") for n in range(1, 6))
        yield QueueEvent(row.epoch, row.callid, row.queue, row.agent, row.event, data, row.key)
