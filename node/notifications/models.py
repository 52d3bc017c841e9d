"""When each user last opened their notifications. Local to the node, never replicated."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base
from node.db.types import UTCDateTime


class NotificationRead(Base):
    __tablename__ = "notification_reads"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The office day (Asia/Shanghai) whose overdue digest the user has seen.
    digest_seen_on: Mapped[date | None] = mapped_column(Date, default=None)
