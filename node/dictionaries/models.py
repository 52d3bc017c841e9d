"""Configuration dictionaries (code lists) with seeded Chinese defaults."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.value_rules import one_of


class DictionaryKind(StrEnum):
    service_area = "service_area"
    customer_grade = "customer_grade"
    customer_category = "customer_category"
    customer_status = "customer_status"
    ticket_kind = "ticket_kind"
    churn_reason = "churn_reason"
    competitor = "competitor"
    call_outcome = "call_outcome"
    service_department = "service_department"  # 服务部门
    agent_group = "agent_group"  # 组
    not_ready_reason = "not_ready_reason"  # 示忙原因


class StatusMeaning(StrEnum):
    """What a customer status means to reports, whatever an admin renames it to."""

    active = "active"
    suspended = "suspended"
    churned = "churned"


class DictionaryEntry(Base, Replicated):
    __tablename__ = "dictionary_entries"
    __table_args__ = (UniqueConstraint("origin", "kind", "code"),)

    kind: Mapped[str] = mapped_column(String(32), info=one_of(DictionaryKind))
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    meaning: Mapped[str | None] = mapped_column(
        String(20), default=None, info=one_of(StatusMeaning)
    )
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
