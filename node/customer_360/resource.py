"""The customers resource whose detail is the 360 view."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from node.auth.viewer import Viewer
from node.customer_360.schemas import CustomerDetail
from node.customer_360.view import customer_360
from node.customers.models import Customer
from node.customers.resource import CustomerResource


class CustomerResourceWith360(CustomerResource):
    """A customer's detail with contacts, subscriptions, tickets, interactions, churn."""

    detail_schema = CustomerDetail

    def detail(self, session: Session, viewer: Viewer, row: Customer) -> dict[str, Any]:
        return super().detail(session, viewer, row) | customer_360(session, viewer, row)
