"""Customers: the centre of the CRM."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, Index, String, Text, Uuid, func
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.types import UTCDateTime
from node.db.value_rules import one_of


class CustomerType(StrEnum):
    individual = "individual"
    enterprise = "enterprise"


class IdType(StrEnum):
    resident_id = "resident_id"  # 居民身份证, GB 11643
    uscc = "uscc"  # 统一社会信用代码, GB 32100
    passport = "passport"


class Gender(StrEnum):
    male = "male"
    female = "female"


def _first_seq(context: DefaultExecutionContext) -> int | None:
    """A new customer's search key: its seq at insert, never changed after."""
    return context.get_current_parameters().get("seq")


class Customer(Base, Replicated):
    __tablename__ = "customers"

    customer_no: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(
        String(20), default=CustomerType.individual, info=one_of(CustomerType)
    )
    category: Mapped[str | None] = mapped_column(String(40), default=None)
    grade: Mapped[str | None] = mapped_column(String(40), default=None)
    status: Mapped[str] = mapped_column(String(40), default="active", index=True)
    gender: Mapped[str | None] = mapped_column(String(10), default=None, info=one_of(Gender))
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    id_type: Mapped[str | None] = mapped_column(String(20), default=None, info=one_of(IdType))
    id_number: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    occupation: Mapped[str | None] = mapped_column(String(100), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None, index=True)
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    company_address: Mapped[str | None] = mapped_column(String(300), default=None)
    home_address: Mapped[str | None] = mapped_column(String(300), default=None)
    service_area: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    # No database foreign keys between replicated tables: a parent applies each table's
    # batches independently, so a row may arrive before the row it points at.
    account_manager_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None, index=True)
    is_key_account: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    # Set with deleted_at when this customer was merged into another: where it went.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    # Derived look-up terms (name bigrams and unigrams, address bigrams, pinyin); see
    # node.customers.search_terms. Indexed by FTS5 on SQLite (customer_fts) and on
    # PostgreSQL by GIN in customer_search (migration 0006); triggers keep both.
    search_terms: Mapped[str] = mapped_column(Text, default="")
    # This node's key of the customer's search terms (SQLite's customer_fts, PostgreSQL's
    # customer_search): the seq the row was inserted with, kept for life, so an edit that
    # leaves the search terms alone leaves the index alone (the seq moves with every
    # change), and text look-ups page on it. Local like seq: it never travels.
    search_key: Mapped[int | None] = mapped_column(BigInteger, default=_first_seq)

    __table_args__ = (
        # Last four digits of the phone, the way agents ask for it ("尾号 5678").
        Index("ix_customers_phone_tail", func.substr("phone", func.length("phone") - 3)),
        Index("ix_customers_search_key", "search_key", unique=True),
    )
