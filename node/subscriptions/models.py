"""Subscriptions: a customer's service on a product, and its monthly fee."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.types import UTCDateTime
from node.db.value_rules import one_of
from node.products.models import Money


class SubscriptionStatus(StrEnum):
    active = "active"
    suspended = "suspended"
    ended = "ended"


class Subscription(Base, Replicated):
    __tablename__ = "subscriptions"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    service_number: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    monthly_fee: Mapped[Decimal] = mapped_column(Money)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    status: Mapped[str] = mapped_column(
        String(20), default=SubscriptionStatus.active, info=one_of(SubscriptionStatus)
    )
    termination_reason: Mapped[str | None] = mapped_column(String(200), default=None)
