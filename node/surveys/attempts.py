"""Looking up the dials this node made (issue 21 §5): by callback time, customer, work
order, phone number, campaign or agent, newest first, keyset-paged like every list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from node.api.pagination import keyset_page
from node.surveys.campaign_models import CallAttempt, CallTask
from node.surveys.report_schemas import AttemptQuery


def _where(query: AttemptQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.at_from is not None:
        where.append(CallAttempt.at >= query.at_from)
    if query.at_to is not None:
        where.append(CallAttempt.at < query.at_to)
    if query.phone is not None:
        where.append(CallAttempt.phone == query.phone)
    if query.agent_id is not None:
        where.append(CallAttempt.agent_id == query.agent_id)
    tasks = [
        column == value
        for column, value in (
            (CallTask.customer_id, query.customer_id),
            (CallTask.ticket_id, query.ticket_id),
            (CallTask.campaign_id, query.campaign_id),
        )
        if value is not None
    ]
    if tasks:
        where.append(CallAttempt.task_id.in_(select(CallTask.id).where(*tasks)))
    return where


def matching_attempts(query: AttemptQuery) -> Select:
    """The dials matching the query's filters (no order, no paging): for counting."""
    return select(CallAttempt.id).select_from(CallAttempt).where(*_where(query))


def find_attempts(session: Session, query: AttemptQuery) -> dict[str, Any]:
    """One page of matching dials with their task's campaign, customer and work order."""
    rows, next_cursor = keyset_page(
        session, CallAttempt, query.limit, query.cursor, "-at", ("at",), _where(query)
    )
    ids = {row.task_id for row in rows}
    tasks = {
        t.id: t for t in session.execute(select(CallTask).where(CallTask.id.in_(ids))).scalars()
    }
    data = [
        {
            "id": row.id,
            "at": row.at,
            "phone": row.phone,
            "result": row.result,
            "agent_id": row.agent_id,
            "task_id": row.task_id,
            "campaign_id": tasks[row.task_id].campaign_id,
            "customer_id": tasks[row.task_id].customer_id,
            "ticket_id": tasks[row.task_id].ticket_id,
        }
        for row in rows
    ]
    return {"data": data, "next_cursor": next_cursor}
