"""POST /api/v1/customers/{id}/merge: merge this customer into another (team leads and
admins). It moves rows of five domains, so it lives above them, in its own package."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from node.api.deps import SessionDep, require
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.schemas import StrictInput
from node.customer_merge.service import merge_customers
from node.customers.resource import CustomerResource
from node.errors import NotFound, invalid

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])
customers = CustomerResource()


class MergeRequest(StrictInput):
    into: uuid.UUID = Field(description="the customer that stays (the survivor)")
    reason: str = Field(min_length=2, max_length=500)


class MergeOut(BaseModel):
    survivor_id: uuid.UUID
    merged_id: uuid.UUID
    moved: dict[str, int]
    filled: list[str]


@router.post("/{customer_id}/merge", response_model=MergeOut)
def merge_customer(
    customer_id: uuid.UUID,
    body: MergeRequest,
    viewer: Annotated[Viewer, Depends(require(Perm.customers_merge))],
    session: SessionDep,
):
    """Move this customer's contacts, subscriptions, contracts, tickets, interactions and
    churn to `into`, fill `into`'s empty fields from it, and tombstone it pointing at
    `into`; written to the history and the audit log, replicated upward."""
    merged = customers.get(session, viewer, customer_id)
    try:
        survivor = customers.get(session, viewer, body.into)
    except NotFound:
        raise invalid("into", f"没有这位客户 (no customer with id {body.into})") from None
    result = merge_customers(session, merged, survivor, viewer.user.id)
    detail = {"into": str(survivor.id), "reason": body.reason, "moved": result.moved}
    record_by(session, viewer, "customer.merged", "customer", merged.id, detail)
    return result
