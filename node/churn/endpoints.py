"""POST /api/v1/customers/{id}/churn: the churn action on a customer (churn ends
the subscriptions, so it lives above customers and subscriptions, in churn)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from node.api.deps import SessionDep, require
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.churn.resource import ChurnEventOut, ChurnRequest
from node.churn.service import mark_churned
from node.customers.resource import CustomerResource

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])
customers = CustomerResource()


@router.post("/{customer_id}/churn", response_model=ChurnEventOut, status_code=201)
def churn_customer(
    customer_id: uuid.UUID,
    body: ChurnRequest,
    viewer: Annotated[Viewer, Depends(require(Perm.churn_write))],
    session: SessionDep,
):
    """Mark the customer churned, with reason and destination competitor."""
    customer = customers.get(session, viewer, customer_id)
    customers.ensure_local(customer, viewer)
    event = mark_churned(
        session,
        customer,
        body.churned_at,
        body.reason,
        body.competitor,
        body.note,
        actor_id=viewer.user.id,
    )
    return ChurnEventOut.model_validate(event)
