"""The work-order life cycle: allowed transitions, SLA deadlines, repeat repairs."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.tickets.models import Severity, Ticket, TicketEvent, TicketField
from node.tickets.models import TicketStatus as S

SLA = {Severity.major: timedelta(hours=24), Severity.general: timedelta(hours=48)}
REPEAT_WINDOW = timedelta(days=30)
REPAIR = "repair"

TRANSITIONS: dict[S, frozenset[S]] = {
    S.open: frozenset({S.dispatched, S.resolved}),
    S.dispatched: frozenset({S.in_progress, S.resolved, S.open}),
    S.in_progress: frozenset({S.resolved}),
    S.resolved: frozenset({S.closed, S.reopened}),
    S.closed: frozenset({S.reopened}),
    S.reopened: frozenset({S.dispatched, S.in_progress, S.resolved}),
}
# What a technician may do to a ticket assigned to them.
TECHNICIAN_MOVES = frozenset({S.in_progress, S.resolved})


def due_at(opened_at: datetime, severity: str) -> datetime:
    return opened_at + SLA[Severity(severity)]


def allowed(current: str, target: str) -> bool:
    return S(target) in TRANSITIONS[S(current)]


def find_repeat_of(
    session: Session, customer_id: uuid.UUID, kind: str, opened_at: datetime
) -> uuid.UUID | None:
    """The customer's latest repair resolved in the 30 days before this repair opened."""
    if kind != REPAIR:
        return None
    stmt = (
        select(Ticket.id)
        .where(
            Ticket.customer_id == customer_id,
            Ticket.kind == REPAIR,
            Ticket.deleted_at.is_(None),
            Ticket.resolved_at.is_not(None),
            Ticket.resolved_at >= opened_at - REPEAT_WINDOW,
            Ticket.resolved_at <= opened_at,
        )
        .order_by(Ticket.resolved_at.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def apply_transition(ticket: Ticket, target: S, at: datetime) -> None:
    """Move `ticket` to `target`, keeping the milestone times consistent."""
    ticket.status = target
    if target is S.dispatched:
        ticket.dispatched_at = at
    elif target is S.resolved:
        ticket.resolved_at = at
    elif target is S.closed:
        ticket.closed_at = at
    elif target is S.reopened:
        ticket.resolved_at = None
        ticket.closed_at = None
    elif target is S.open:
        ticket.dispatched_at = None
        ticket.technician_id = None


def add_event(
    session: Session,
    ticket: Ticket,
    from_status: str | None,
    to_status: str,
    actor_id: uuid.UUID | None,
    at: datetime,
    note: str | None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor_id,
        at=at,
        note=note,
    )
    session.add(event)
    return event


def add_change_event(
    session: Session,
    ticket: Ticket,
    field: TicketField,
    old: str | None,
    new: str | None,
    actor_id: uuid.UUID | None,
    at: datetime,
) -> TicketEvent:
    """Record a reassignment or a new severity as an event of its own: the status stays."""
    event = add_event(session, ticket, ticket.status, ticket.status, actor_id, at, None)
    event.field, event.old_value, event.new_value = field, old, new
    return event
