"""Subscriptions: a customer on a product, with its monthly fee."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import AwareDatetime, Field
from sqlalchemy import Select
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.references import live_row
from node.crud.resource import Resource
from node.crud.schemas import ReplicatedRead, StrictInput, partial
from node.customers.scoping import customer_for_write, scope_to_customer_area
from node.db.types import utcnow
from node.errors import invalid
from node.privacy.masking import mask_phone
from node.products.models import Product
from node.subscriptions.models import Subscription, SubscriptionStatus


class SubscriptionIn(StrictInput):
    customer_id: uuid.UUID
    product_id: uuid.UUID
    service_number: str | None = Field(None, max_length=40)
    monthly_fee: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    status: SubscriptionStatus = SubscriptionStatus.active
    termination_reason: str | None = Field(None, max_length=200)


class SubscriptionOut(ReplicatedRead):
    customer_id: uuid.UUID
    product_id: uuid.UUID
    service_number: str | None
    monthly_fee: Decimal
    started_at: datetime
    ended_at: datetime | None
    status: str
    termination_reason: str | None


class SubscriptionResource(Resource[Subscription]):
    path = "subscriptions"
    entity = "subscription"
    keeps_history = True
    model = Subscription
    create_schema = SubscriptionIn
    update_schema = partial(SubscriptionIn, "SubscriptionPatch")
    read_schema = SubscriptionOut
    read_perm = Perm.subscriptions_read
    write_perm = Perm.subscriptions_write
    filter_fields: ClassVar[dict[str, Any]] = {
        "customer_id": uuid.UUID,
        "product_id": uuid.UUID,
        "status": SubscriptionStatus,
        "service_number": str,
    }
    order_fields = ("created_at", "updated_at", "started_at", "monthly_fee")

    def scope(self, stmt: Select, viewer: Viewer) -> Select:
        return scope_to_customer_area(stmt, Subscription.customer_id, viewer)

    def present(self, row: Subscription, viewer: Viewer, detail: bool) -> dict[str, Any]:
        """A service number is usually the customer's mobile: masked like a phone."""
        data = SubscriptionOut.model_validate(row).model_dump(mode="json")
        if not (detail and viewer.can(Perm.pii)):
            data["service_number"] = mask_phone(data["service_number"])
        return data

    def check_values(
        self,
        session: Session,
        viewer: Viewer,
        values: dict[str, Any],
        existing: Subscription | None,
    ) -> dict[str, Any]:
        customer_for_write(session, viewer, values["customer_id"])
        product = live_row(session, Product, values["product_id"], "product_id")
        assert product is not None  # product_id is required
        if values["monthly_fee"] is None:
            values["monthly_fee"] = product.monthly_price
        values["started_at"] = values["started_at"] or utcnow()
        ended = values["ended_at"]
        if ended is not None and ended < values["started_at"]:
            raise invalid("ended_at", "is before started_at")
        if values["status"] == SubscriptionStatus.ended and ended is None:
            values["ended_at"] = utcnow()
        return values
