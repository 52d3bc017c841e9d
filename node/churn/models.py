"""Churn events: who left, when, why, and to whom (流失方向)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.types import UTCDateTime
from node.products.models import Money


class ChurnEvent(Base, Replicated):
    __tablename__ = "churn_events"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    churned_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reason: Mapped[str] = mapped_column(String(40))
    competitor: Mapped[str | None] = mapped_column(String(40), default=None)
    lost_monthly_revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    note: Mapped[str | None] = mapped_column(Text, default=None)
