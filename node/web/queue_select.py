"""The queue's filters as SQL: one place that says which tickets a QueueQuery keeps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

from node.auth.accounts import User
from node.office_time import OFFICE_TZ
from node.tickets.models import OPEN_TICKET_STATES, Ticket
from node.tickets.sla import SlaState
from node.web.queue_filters import UNASSIGNED, QueueQuery


def office_midnight(day: date) -> datetime:
    """The UTC moment a day begins in the offices (Beijing time)."""
    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ).astimezone(UTC)


def apply_filters(stmt: Select, query: QueueQuery, now: datetime) -> Select:
    """`stmt` (tickets) narrowed to `query`. Without a status only open tickets are
    listed; an SLA filter reads open tickets only, whatever the status says. `soon`
    keeps the tickets not yet due here; the share of the window left is read in Python
    (sla_reading), as the page shows it."""
    if query.sla:
        stmt = stmt.where(Ticket.status.in_(OPEN_TICKET_STATES))
        if query.sla == SlaState.overdue:
            stmt = stmt.where(Ticket.due_at < now)
        else:
            stmt = stmt.where(Ticket.due_at >= now)
    elif query.status:
        stmt = stmt.where(Ticket.status == query.status)
    else:
        stmt = stmt.where(Ticket.status.in_(OPEN_TICKET_STATES))
    if query.area:
        stmt = stmt.where(Ticket.service_area == query.area)
    if query.kind:
        stmt = stmt.where(Ticket.kind == query.kind)
    if query.severity:
        stmt = stmt.where(Ticket.severity == query.severity)
    if query.technician == UNASSIGNED:
        stmt = stmt.where(Ticket.technician_id.is_(None))
    elif query.technician_id is not None:
        stmt = stmt.where(Ticket.technician_id == query.technician_id)
    if query.department:  # tickets held by a technician of that department
        members = select(User.id).where(User.department == query.department)
        stmt = stmt.where(Ticket.technician_id.in_(members))
    if query.opened_from:
        stmt = stmt.where(Ticket.created_at >= office_midnight(query.opened_from))
    if query.opened_to:  # the whole last day: before the next day begins
        stmt = stmt.where(Ticket.created_at < office_midnight(query.opened_to + timedelta(1)))
    if query.city:
        stmt = stmt.where(Ticket.origin == query.city)
    return stmt
