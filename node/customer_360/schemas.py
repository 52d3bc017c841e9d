"""The shape of GET /customers/{id}: the customer and the 360 sections its reader may see."""

from __future__ import annotations

from node.customers.schemas import CustomerOut


class CustomerDetail(CustomerOut):
    """A section the viewer's role may not read is left out, not sent empty."""

    contacts: list[dict] | None = None
    active_subscriptions: list[dict] | None = None
    open_tickets: list[dict] | None = None
    recent_interactions: list[dict] | None = None
    churn_events: list[dict] | None = None
