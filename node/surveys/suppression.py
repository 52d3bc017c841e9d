"""The suppression list (issue 21 §4): a refusal or a "do not call me" puts the number
on it, and no campaign of the whole group offers it again. The rows replicate upward,
so each level holds the union of its subtree's list."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from node.surveys.campaign_models import SuppressedNumber


def is_suppressed(session: Session, phone: str) -> bool:
    """Whether any node of the subtree (as this node holds it) suppressed `phone`."""
    held = select(SuppressedNumber.id).where(
        SuppressedNumber.phone == phone, SuppressedNumber.deleted_at.is_(None)
    )
    return session.execute(held.limit(1)).first() is not None


def not_suppressed(phone: Any) -> ColumnElement[bool]:
    """A condition: `phone` (a column or a value) is on no one's suppression list."""
    return ~exists().where(SuppressedNumber.phone == phone, SuppressedNumber.deleted_at.is_(None))


def suppress(
    session: Session, phone: str, reason: str, user_id: uuid.UUID | None, now: datetime
) -> SuppressedNumber | None:
    """Put `phone` on this node's list (once: a second refusal adds nothing)."""
    held = session.execute(
        select(SuppressedNumber.id).where(
            SuppressedNumber.phone == phone,
            SuppressedNumber.origin == session.info["node_code"],
            SuppressedNumber.deleted_at.is_(None),
        )
    ).first()
    if held is not None:
        return None
    row = SuppressedNumber(phone=phone, reason=reason, at=now, user_id=user_id)
    session.add(row)
    session.flush()
    return row
