"""Products: the catalogue a customer subscribes to."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.value_rules import one_of

Money = Numeric(14, 2)


class ProductType(StrEnum):
    mobile = "mobile"
    broadband = "broadband"
    fixed_line = "fixed_line"
    iptv = "iptv"
    dedicated_line = "dedicated_line"
    cloud = "cloud"
    bundle = "bundle"


class Product(Base, Replicated):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("origin", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(20), info=one_of(ProductType))
    monthly_price: Mapped[Decimal] = mapped_column(Money)
