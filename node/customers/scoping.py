"""Rows that hang off a customer: what the viewer may read (their service area) and
which customers they may attach a new or changed row to."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, SQLColumnExpression, select
from sqlalchemy.orm import Session

from node.auth.viewer import Viewer
from node.crud.references import live_row
from node.customers.models import Customer
from node.errors import Conflict, invalid


def scope_to_customer_area(
    stmt: Select, customer_id_column: SQLColumnExpression[uuid.UUID], viewer: Viewer
) -> Select:
    if viewer.area:
        in_area = select(Customer.id).where(Customer.service_area == viewer.area)
        stmt = stmt.where(customer_id_column.in_(in_area))
    return stmt


def customer_for_write(
    session: Session, viewer: Viewer, customer_id: uuid.UUID, field: str = "customer_id"
) -> Customer:
    """The customer a row being written hangs off, as its writer may use it.

    Outside the viewer's area it does not exist for them (as for a read); a copy
    replicated from another node is read-only here, so attaching a row to it would
    create a row its owner never sees: 409 naming the owner.
    """
    customer = live_row(session, Customer, customer_id, field)
    assert customer is not None  # customer_id is required wherever this is called
    if viewer.area and customer.service_area != viewer.area:
        raise invalid(field, f"no customer with id {customer_id}")
    if customer.origin != viewer.node_code:
        raise Conflict(
            f"客户 {customer.customer_no} 属于节点 {customer.origin}，此处只读，请在该节点办理 "
            f"(customer {customer.customer_no} belongs to node {customer.origin} and is "
            f"read-only here; do this at node {customer.origin})"
        )
    return customer
