"""The customer 360 view: contacts, active subscriptions, open tickets, recent contact,
churn; each section only for a viewer whose role may read it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
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
from node.tickets.resource import TicketOut, TicketResource

RECENT_INTERACTIONS = 10
R = TypeVar("R", bound=Replicated)


def _live(model: type[R]) -> Select[R]:
    return select(model).where(model.deleted_at.is_(None))


def customer_360(session: Session, viewer: Viewer, customer: Customer) -> dict[str, Any]:
    """The sections of the 360 view this viewer may read, each as its own resource
    would show it (masking, and a technician's tickets only their own)."""
    sections: dict[str, Any] = {}
    for perm, name, read in _SECTIONS:
        if viewer.can(perm):
            sections[name] = read(session, viewer, customer.id)
    return sections


def _contacts(session: Session, viewer: Viewer, cid: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.execute(_live(Contact).where(Contact.customer_id == cid)).scalars()
    view = ContactResource()
    return [view.present(c, viewer, detail=True) for c in rows]


def _subscriptions(session: Session, viewer: Viewer, cid: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.execute(
        _live(Subscription).where(
            Subscription.customer_id == cid, Subscription.status != SubscriptionStatus.ended
        )
    ).scalars()
    view = SubscriptionResource()
    return [view.present(s, viewer, detail=True) for s in rows]


def _tickets(session: Session, viewer: Viewer, cid: uuid.UUID) -> list[dict[str, Any]]:
    stmt = (
        TicketResource()
        .base_query(viewer)
        .where(Ticket.customer_id == cid, Ticket.status.in_(OPEN_TICKET_STATES))
        .order_by(Ticket.due_at)
    )
    return [TicketOut.model_validate(t).model_dump(mode="json") for t in session.scalars(stmt)]


def _interactions(session: Session, viewer: Viewer, cid: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.execute(
        _live(Interaction)
        .where(Interaction.customer_id == cid)
        .order_by(Interaction.started_at.desc())
        .limit(RECENT_INTERACTIONS)
    ).scalars()
    return [InteractionOut.model_validate(i).model_dump(mode="json") for i in rows]


def _churn(session: Session, viewer: Viewer, cid: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.execute(
        _live(ChurnEvent).where(ChurnEvent.customer_id == cid).order_by(ChurnEvent.churned_at)
    ).scalars()
    return [ChurnEventOut.model_validate(c).model_dump(mode="json") for c in rows]


_SECTIONS: tuple[tuple[Perm, str, Callable[[Session, Viewer, uuid.UUID], Any]], ...] = (
    (Perm.contacts_read, "contacts", _contacts),
    (Perm.subscriptions_read, "active_subscriptions", _subscriptions),
    (Perm.tickets_read, "open_tickets", _tickets),
    (Perm.interactions_read, "recent_interactions", _interactions),
    (Perm.churn_read, "churn_events", _churn),
)
