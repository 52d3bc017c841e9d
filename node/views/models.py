"""Saved views. Local to the node, like the audit log: a view names filters of this
node's pages for this node's users, so it never travels."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base
from node.db.types import UTCDateTime, utcnow

NAME_MAX = 40
QUERY_MAX = 1000


class SavedView(Base):
    __tablename__ = "saved_views"
    # A person tells their views apart by name; others' views may share it.
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    page: Mapped[str] = mapped_column(String(20))  # which list: "tickets"
    # The list's filters as a normalized query string (re-read when the view is opened).
    query: Mapped[str] = mapped_column(String(QUERY_MAX))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
