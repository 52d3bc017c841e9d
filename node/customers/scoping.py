"""Limit rows that hang off a customer to the viewer's service area."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, SQLColumnExpression, select

from node.auth.viewer import Viewer
from node.customers.models import Customer


def scope_to_customer_area(
    stmt: Select, customer_id_column: SQLColumnExpression[uuid.UUID], viewer: Viewer
) -> Select:
    if viewer.area:
        in_area = select(Customer.id).where(Customer.service_area == viewer.area)
        stmt = stmt.where(customer_id_column.in_(in_area))
    return stmt
