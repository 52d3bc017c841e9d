"""Interactions: every call, message and visit with a customer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, Field
from sqlalchemy import Select
from sqlalchemy.orm import Session

from node.auth.accounts import User
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.references import live_row
from node.crud.resource import Resource
from node.crud.schemas import ReplicatedRead, StrictInput, partial
from node.customers.scoping import customer_for_write, scope_to_customer_area
from node.db.types import utcnow
from node.errors import invalid
from node.interactions.models import Channel, Direction, Interaction
from node.tickets.models import Ticket


class InteractionIn(StrictInput):
    customer_id: uuid.UUID
    channel: Channel
    direction: Direction
    agent_id: uuid.UUID | None = None
    started_at: AwareDatetime | None = None
    ring_seconds: int = Field(0, ge=0, le=3600)
    talk_seconds: int = Field(0, ge=0, le=86400)
    answered: bool = True
    outcome: str | None = Field(None, max_length=100)
    summary: str | None = Field(None, max_length=4000)
    ticket_id: uuid.UUID | None = None


class InteractionOut(ReplicatedRead):
    customer_id: uuid.UUID
    channel: str
    direction: str
    agent_id: uuid.UUID | None
    started_at: datetime
    ring_seconds: int
    talk_seconds: int
    answered: bool
    outcome: str | None
    summary: str | None
    ticket_id: uuid.UUID | None
    call_id: str | None
    queue: str | None
    wait_seconds: int | None
    call_result: str | None
    transferred: bool | None


class InteractionResource(Resource[Interaction]):
    path = "interactions"
    entity = "interaction"
    model = Interaction
    create_schema = InteractionIn
    update_schema = partial(InteractionIn, "InteractionPatch")
    read_schema = InteractionOut
    read_perm = Perm.interactions_read
    write_perm = Perm.interactions_write
    filter_fields: ClassVar[dict[str, Any]] = {
        "customer_id": uuid.UUID,
        "agent_id": uuid.UUID,
        "channel": Channel,
        "direction": Direction,
        "answered": bool,
    }
    order_fields = ("started_at", "created_at")
    default_order = "-started_at"

    def scope(self, stmt: Select, viewer: Viewer) -> Select:
        return scope_to_customer_area(stmt, Interaction.customer_id, viewer)

    def check_values(
        self, session: Session, viewer: Viewer, values: dict[str, Any], existing: Interaction | None
    ) -> dict[str, Any]:
        customer_for_write(session, viewer, values["customer_id"])
        if existing is None and values["agent_id"] is None:
            values["agent_id"] = viewer.user.id
        live_row(session, User, values["agent_id"], "agent_id")
        ticket = live_row(session, Ticket, values["ticket_id"], "ticket_id")
        if ticket is not None and ticket.customer_id != values["customer_id"]:
            raise invalid(
                "ticket_id", "不是这位客户的工单 (the ticket belongs to another customer)"
            )
        values["started_at"] = values["started_at"] or utcnow()
        if not values["answered"]:
            values["talk_seconds"] = 0
        return values
