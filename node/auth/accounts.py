"""Staff accounts and their roles. Replicated (so parents can name account managers),
password excluded. Owned by auth: who may sign in and what their role lets them do."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.value_rules import one_of


class Role(StrEnum):
    admin = "admin"
    team_lead = "team_lead"
    agent = "agent"
    account_manager = "account_manager"
    dispatcher = "dispatcher"
    technician = "technician"
    analyst = "analyst"
    cti = "cti"  # an integration user: the PBX connector that posts telephone events


class User(Base, Replicated):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("origin", "username"),
        UniqueConstraint("origin", "agent_no"),
        UniqueConstraint("origin", "extension"),
    )

    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), info=one_of(Role))
    service_area: Mapped[str | None] = mapped_column(String(40), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Dictionary codes (服务部门, 组): whom a person works with, for filters and boards.
    department: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    agent_group: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    # The call center's names for a person (工号, 分机): how the PBX's events find them.
    agent_no: Mapped[str | None] = mapped_column(String(20), default=None)
    extension: Mapped[str | None] = mapped_column(String(20), default=None)
    # Where a technician receives work orders by SMS.
    mobile: Mapped[str | None] = mapped_column(String(20), default=None)
    # Never leaves the node (the wire schema excludes it); null on replicated copies,
    # so a user can only log in at the node that owns them.
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
