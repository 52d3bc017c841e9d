"""A technician's home: 我的工单, the open tickets assigned to them, with what they need
on the road (address, due time, the customer's number to call), on a phone screen.

The number is shown in full only here, only for the viewer's own open tickets, and each
showing is written to the audit log (the rest of the UI masks it for a technician)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.api.deps import SessionDep, writes_on_read
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.customers.models import Customer
from node.db.types import utcnow
from node.tickets.models import OPEN_TICKET_STATES, Ticket
from node.tickets.resource import TicketResource
from node.web.choices import dictionary_labels
from node.web.errors import WebRoute
from node.web.rendering import lang_of, render
from node.web.session import WebViewer, need
from node.web.sla_texts import sla_reading, sla_text

router = APIRouter(prefix="/ui/my-tickets", include_in_schema=False, route_class=WebRoute)
tickets = TicketResource()
MY_LIMIT = 200


def _my_open_tickets(session: Session, viewer: Viewer) -> list[Ticket]:
    stmt = (
        tickets.base_query(viewer)
        .where(Ticket.technician_id == viewer.user.id, Ticket.status.in_(OPEN_TICKET_STATES))
        .order_by(Ticket.due_at)
        .limit(MY_LIMIT)
    )
    return list(session.execute(stmt).scalars())


def _customers(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Customer]:
    if not ids:
        return {}
    rows = session.execute(select(Customer).where(Customer.id.in_(ids))).scalars()
    return {c.id: c for c in rows}


@router.get("")
@writes_on_read  # every number shown is an audit row
def my_tickets(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """The viewer's open tickets, earliest due first, as cards."""
    need(viewer, Perm.tickets_read)
    mine = _my_open_tickets(session, viewer)
    people = _customers(session, {t.customer_id for t in mine})
    now, lang = utcnow(), lang_of(request)
    cards: list[dict[str, Any]] = []
    for ticket in mine:
        presented = tickets.present(ticket, viewer, detail=False)
        reading = sla_reading(presented, now)
        customer = people.get(ticket.customer_id)
        cards.append(
            {
                "t": presented,
                "sla_state": reading.state.value,
                "sla_text": sla_text(reading, lang),
                "customer": customer,
                "address": (customer.home_address or customer.company_address)
                if customer
                else None,
            }
        )
        if customer is not None and customer.phone:
            detail = {"customer_id": str(customer.id)}
            record_by(session, viewer, "ticket.customer_phone_shown", "ticket", ticket.id, detail)
    return render(
        request,
        "my_tickets.html",
        viewer,
        {"cards": cards, "labels": dictionary_labels(session)},
    )
