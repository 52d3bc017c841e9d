"""Churn events over HTTP. Creating one goes through mark_churned, never around it."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import Select
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.churn.models import ChurnEvent
from node.churn.service import mark_churned
from node.crud.resource import Resource
from node.crud.schemas import ReplicatedRead, StrictInput
from node.customers.scoping import customer_for_write, scope_to_customer_area


class ChurnRequest(StrictInput):
    """POST /customers/{id}/churn."""

    churned_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=40)
    competitor: str | None = Field(None, max_length=40)
    note: str | None = Field(None, max_length=4000)


class ChurnEventIn(ChurnRequest):
    customer_id: uuid.UUID


class ChurnEventPatch(StrictInput):
    """Only the free-text note may change; the facts of a churn are not edited."""

    note: str | None = Field(None, max_length=4000)


class ChurnEventOut(ReplicatedRead):
    customer_id: uuid.UUID
    churned_at: datetime
    reason: str
    competitor: str | None
    lost_monthly_revenue: Decimal
    note: str | None


class ChurnEventResource(Resource[ChurnEvent]):
    path = "churn-events"
    entity = "churn event"
    model = ChurnEvent
    create_schema = ChurnEventIn
    update_schema = ChurnEventPatch
    read_schema = ChurnEventOut
    read_perm = Perm.churn_read
    write_perm = Perm.churn_write
    filter_fields: ClassVar[dict[str, Any]] = {
        "customer_id": uuid.UUID,
        "reason": str,
        "competitor": str,
    }
    order_fields = ("churned_at", "created_at")
    default_order = "-churned_at"

    def scope(self, stmt: Select, viewer: Viewer) -> Select:
        return scope_to_customer_area(stmt, ChurnEvent.customer_id, viewer)

    def create(self, session: Session, viewer: Viewer, payload: BaseModel) -> ChurnEvent:
        data = payload.model_dump()
        customer = customer_for_write(session, viewer, data["customer_id"])
        return mark_churned(
            session,
            customer,
            data["churned_at"],
            data["reason"],
            data["competitor"],
            data["note"],
            actor_id=viewer.user.id,
        )

    def update(
        self, session: Session, viewer: Viewer, row_id: uuid.UUID, payload: BaseModel
    ) -> ChurnEvent:
        row = self.get(session, viewer, row_id)
        self.ensure_local(row, viewer)
        patch = payload.model_dump(exclude_unset=True)
        if "note" in patch:
            row.note = patch["note"]
        session.flush()
        return row
