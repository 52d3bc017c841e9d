"""The customer 360 view: contacts, active subscriptions, open tickets, recent contact."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from node.auth.viewer import Viewer
from node.churn.models import ChurnEvent
from node.churn.resource import ChurnEventOut
from node.contacts.models import Contact
from node.contacts.resource import ContactResource
from node.customers.models import Customer
from node.db.base import Replicated
from node.interactions.models import Interaction
from node.interactions.resource import InteractionOut
from node.subscriptions.models import Subscription, SubscriptionStatus
from node.subscriptions.resource import SubscriptionResource
from node.tickets.models import OPEN_TICKET_STATES, Ticket
from node.tickets.resource import TicketOut

RECENT_INTERACTIONS = 10
R = TypeVar("R", bound=Replicated)


def _live(model: type[R]) -> Select[R]:
    return select(model).where(model.deleted_at.is_(None))


def customer_360(session: Session, viewer: Viewer, customer: Customer) -> dict[str, Any]:
    cid = customer.id
    contacts = session.execute(_live(Contact).where(Contact.customer_id == cid)).scalars()
    subs = session.execute(
        _live(Subscription).where(
            Subscription.customer_id == cid, Subscription.status != SubscriptionStatus.ended
        )
    ).scalars()
    tickets = session.execute(
        _live(Ticket)
        .where(Ticket.customer_id == cid, Ticket.status.in_(OPEN_TICKET_STATES))
        .order_by(Ticket.due_at)
    ).scalars()
    interactions = session.execute(
        _live(Interaction)
        .where(Interaction.customer_id == cid)
        .order_by(Interaction.started_at.desc())
        .limit(RECENT_INTERACTIONS)
    ).scalars()
    churn = session.execute(
        _live(ChurnEvent).where(ChurnEvent.customer_id == cid).order_by(ChurnEvent.churned_at)
    ).scalars()
    contact_view = ContactResource()
    return {
        "contacts": [contact_view.present(c, viewer, detail=True) for c in contacts],
        "active_subscriptions": [
            SubscriptionResource().present(s, viewer, detail=True) for s in subs
        ],
        "open_tickets": [TicketOut.model_validate(t).model_dump(mode="json") for t in tickets],
        "recent_interactions": [
            InteractionOut.model_validate(i).model_dump(mode="json") for i in interactions
        ],
        "churn_events": [ChurnEventOut.model_validate(c).model_dump(mode="json") for c in churn],
    }
