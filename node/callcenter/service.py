"""The call-center figures of a period, read from the node's telephone events."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from node.callcenter.agent_names import agent_groups, agents_by_name, member_name
from node.callcenter.callbacks import Callback, callbacks_due
from node.callcenter.calls import Outcome, QueueCall, assemble
from node.callcenter.cdr import CallRecord
from node.callcenter.figures_report import figures_report
from node.callcenter.kpis import Naming, Report, Rules, compute
from node.callcenter.models import CallDetailRecord, QueueLogEvent
from node.callcenter.schemas import KpiQuery
from node.callcenter.stored_events import stored_events
from node.customers.models import Customer
from node.errors import invalid
from node.interactions.models import Direction, Interaction
from node.office_time import OFFICE_TZ
from node.privacy.masking import mask_phone
from node.settings import CallcenterSection


def rules_of(section: CallcenterSection) -> Rules:
    """The thresholds node.toml sets."""
    return Rules(
        section.service_level_seconds, section.short_abandon_seconds, section.wrap_up_max_seconds
    )


def kpi_report(session: Session, query: KpiQuery, rules: Rules, holds_calls: bool) -> Report:
    """The figures of the calls that entered a queue in the query's period, only the
    query's queue's, or only those its agent (or an agent of its group) answered when it
    names them. A period on quarter hours is read from the partial sums, which hold the
    whole subtree; another is computed from the calls themselves, which only the node
    whose PBX took them `holds_calls` (a city): a parent refuses it, naming `from`."""
    if query.on_quarter_hours:
        return figures_report(session, query)
    if not holds_calls:
        raise invalid(
            "from",
            "上级节点按 15 分钟汇总话务，起止时间须为整刻钟，如 08:00、08:15 "
            "(a parent holds 15-minute sums: from and to must fall on a quarter hour)",
        )
    return _from_calls(session, query, rules)


def _from_calls(session: Session, query: KpiQuery, rules: Rules) -> Report:
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
    records = [] if queue is not None else _records(session, start, end)
    records = [r for r in records if agent is None or r.peer == agent]
    events = list(stored_events(session, rings))
    groups = agent_groups(
        session, [c.agent for c in calls] + [e.agent for e in events] + [r.peer for r in records]
    )
    if query.group is not None:
        calls = [c for c in calls if groups.get(c.agent) == query.group]
        events = [e for e in events if groups.get(e.agent) == query.group]
        records = [r for r in records if groups.get(r.peer) == query.group]
    naming = Naming(groups, session.info["node_code"])
    report = compute(calls, events, query.slot, query.group_by, rules, records, naming)
    report.by_user = _by_user(session, calls)
    return report


def _by_user(session: Session, calls: list[QueueCall]) -> dict[uuid.UUID, tuple[int, int]]:
    agents = agents_by_name(session)
    found: dict[uuid.UUID, tuple[int, int]] = {}
    for call in calls:
        user_id = agents.get(member_name(call.agent))
        if call.outcome is Outcome.answered and user_id is not None:
            answered, talk = found.get(user_id, (0, 0))
            found[user_id] = (answered + 1, talk + call.talk)
    return found


def callbacks_on(session: Session, day: date) -> list[Callback]:
    """The callers lost on `day` (office time) and not answered or called back since."""
    start = datetime.combine(day, time(), OFFICE_TZ)
    low, high = int(start.timestamp()), int(start.timestamp()) + 86_400
    calls = [c for c in _calls(session, _entered_between(low, high)) if low <= c.entered < high]
    called_back = session.execute(
        select(Customer.phone, func.max(Interaction.started_at))
        .join(Customer, Customer.id == Interaction.customer_id)
        .where(Interaction.direction == Direction.outbound, Interaction.answered.is_(True))
        .where(Interaction.started_at >= start.astimezone(UTC))
        .where(Interaction.deleted_at.is_(None), Customer.phone.is_not(None))
        .group_by(Customer.phone)
    ).all()
    reached = {phone: moment for phone, moment in called_back if phone}
    for record in _records(session, low, None):
        number = record.outbound_number
        if number and record.answered:
            moment = datetime.fromtimestamp(record.start, UTC)
            reached[number] = max(reached.get(number, moment), moment)
    return callbacks_due(calls, reached)


def callback_rows(
    session: Session, day: date, reveal: bool, within_seconds: int, now: int
) -> list[dict[str, Any]]:
    """The day's callers to call back as the API and the page show them: the number
    masked unless `reveal`, the customer holding it, overdue past `within_seconds`."""
    due = callbacks_on(session, day)
    customers = customers_by_phone(session, [c.number for c in due])

    def moment(epoch: int) -> str:
        return datetime.fromtimestamp(epoch, OFFICE_TZ).isoformat()

    rows = []
    for entry in due:
        customer = customers.get(entry.number)
        rows.append(
            {
                "number": entry.number if reveal else mask_phone(entry.number),
                "customer_id": str(customer[0]) if customer else None,
                "customer_name": customer[1] if customer else None,
                "lost": entry.lost,
                "first_lost": moment(entry.first_lost),
                "last_lost": moment(entry.last_lost),
                "longest_wait": entry.longest_wait,
                "queue": entry.queue,
                "overdue": entry.overdue(now, within_seconds),
            }
        )
    return rows


def waiting_by_queue(session: Session, now: int) -> dict[str, tuple[int, int]]:
    """班长监控: per queue, the calls that entered it today (office time) and have not
    ended yet, and how long the earliest of them has waited at `now` (seconds)."""
    start = datetime.fromtimestamp(now, OFFICE_TZ).replace(hour=0, minute=0, second=0)
    low = int(start.replace(microsecond=0).timestamp())
    waiting: dict[str, tuple[int, int]] = {}
    for call in _calls(session, _entered_between(low, low + 86_400)):
        if call.outcome is not Outcome.waiting or not low <= call.entered <= now:
            continue
        count, longest = waiting.get(call.queue, (0, 0))
        waiting[call.queue] = (count + 1, max(longest, now - call.entered))
    return waiting


def customers_by_phone(session: Session, numbers: list[str]) -> dict[str, tuple[uuid.UUID, str]]:
    """The live customer holding each number, if any (the most recently changed)."""
    if not numbers:
        return {}
    rows = session.execute(
        select(Customer.phone, Customer.id, Customer.name)
        .where(Customer.phone.in_(numbers), Customer.deleted_at.is_(None))
        .order_by(Customer.seq)
    ).all()
    return {phone: (cid, name) for phone, cid, name in rows if phone}


def _entered_between(low: int, high: int) -> Select:
    entered = (
        select(QueueLogEvent.callid)
        .where(QueueLogEvent.event == "ENTERQUEUE")
        .where(QueueLogEvent.epoch >= low, QueueLogEvent.epoch < high)
    )
    return select(QueueLogEvent).where(QueueLogEvent.callid.in_(entered))


def _calls(session: Session, stmt: Select) -> list[QueueCall]:
    return assemble(stored_events(session, stmt))


def _records(session: Session, start: int, end: int | None) -> list[CallRecord]:
    stmt = select(CallDetailRecord).where(CallDetailRecord.start >= start)
    if end is not None:
        stmt = stmt.where(CallDetailRecord.start < end)
    return [
        CallRecord(r.key, r.start, r.src, r.dst, r.channel, r.disposition, r.duration, r.billsec)
        for r in session.execute(stmt).scalars()
    ]
