"""Contracts signed with (mostly enterprise) customers."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.value_rules import one_of
from node.products.models import Money


class ContractStatus(StrEnum):
    draft = "draft"
    active = "active"
    expired = "expired"
    terminated = "terminated"


class Contract(Base, Replicated):
    __tablename__ = "contracts"
    # Per origin: numbers people type may repeat across cities, and a parent holds all.
    __table_args__ = (UniqueConstraint("origin", "contract_no"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    contract_no: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Money)
    signed_at: Mapped[date | None] = mapped_column(Date, default=None)
    starts_at: Mapped[date] = mapped_column(Date)
    ends_at: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(
        String(20), default=ContractStatus.active, info=one_of(ContractStatus)
    )
