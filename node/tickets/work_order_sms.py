"""A dispatch tells its technician by SMS: the ticket's side of node/sms.

The tickets module calls into node/sms (never the other way round): it gathers what
the message says (number, kind, address, due time) and the outbox queues it in the
dispatch's own transaction, so a dispatch that rolls back sends nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.accounts import User
from node.customers.models import Customer
from node.dictionaries.models import DictionaryEntry, DictionaryKind
from node.sms.outbox import Dispatch, enqueue_dispatch, sms_settings
from node.tickets.models import Ticket, TicketEvent


def send_work_order(session: Session, ticket: Ticket, event: TicketEvent) -> None:
    """Queue the SMS for the dispatch (or reassignment) `event` of `ticket`; nothing
    when SMS is off or nobody is assigned. `event` must be flushed (it needs its id)."""
    if ticket.technician_id is None or sms_settings(session) is None:
        return
    technician = session.get(User, ticket.technician_id)
    if technician is None:
        return  # _check_technician has refused an unknown one already
    customer = session.get(Customer, ticket.customer_id)
    address = None
    if customer is not None:
        address = customer.home_address or customer.company_address
    enqueue_dispatch(
        session,
        Dispatch(
            ticket_id=ticket.id,
            event_id=event.id,
            technician_id=technician.id,
            mobile=technician.mobile,
            ticket_no=ticket.ticket_no,
            kind=_kind_label(session, ticket.kind),
            address=address,
            due_at=ticket.due_at,
        ),
    )


def _kind_label(session: Session, code: str) -> str:
    """The kind's name in this node's dictionary (故障报修), or its code if it has none."""
    label = session.execute(
        select(DictionaryEntry.label).where(
            DictionaryEntry.kind == DictionaryKind.ticket_kind,
            DictionaryEntry.code == code,
            DictionaryEntry.origin == session.info["node_code"],
        )
    ).scalar_one_or_none()
    return label or code
