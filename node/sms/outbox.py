"""Putting a dispatch's message in the outbox, in the dispatch's own transaction.

The outbox's settings travel with the session (`Database.info`, set once by the app
factory from node.toml), so every path that dispatches or reassigns a ticket (the API,
the web pages, bulk moves) enqueues alike without handing settings through each."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.db.types import utcnow
from node.settings import SmsSection
from node.sms.models import SmsMessage, SmsStatus
from node.sms.text import dispatch_text

SESSION_KEY = "sms"  # Database.info / Session.info key holding the SmsSection
NO_MOBILE = "装维人员没有手机号码 (the technician has no mobile number)"


@dataclass(frozen=True)
class Dispatch:
    """What one dispatch tells its technician, and which ticket event it is."""

    ticket_id: uuid.UUID
    event_id: uuid.UUID
    technician_id: uuid.UUID
    mobile: str | None
    ticket_no: str
    kind: str  # the kind's label, e.g. 宽带报修
    address: str | None
    due_at: datetime


def sms_settings(session: Session) -> SmsSection | None:
    """The node's SMS settings when sending is on, else None."""
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, SmsSection) and found.enabled else None


def enqueue_dispatch(session: Session, dispatch: Dispatch) -> SmsMessage | None:
    """Queue the technician's message for `dispatch`; None when SMS is off.

    A technician without a mobile number gets a message that is failed from the start:
    nothing is sent, and the ticket page says why. The same dispatch event twice is one
    message (the second call returns the first)."""
    if sms_settings(session) is None:
        return None
    held = session.execute(
        select(SmsMessage).where(
            SmsMessage.ticket_id == dispatch.ticket_id,
            SmsMessage.dispatch_event_id == dispatch.event_id,
        )
    ).scalar_one_or_none()
    if held is not None:
        return held
    now = utcnow()
    message = SmsMessage(
        ticket_id=dispatch.ticket_id,
        dispatch_event_id=dispatch.event_id,
        recipient_id=dispatch.technician_id,
        to_number=dispatch.mobile,
        text=dispatch_text(dispatch.ticket_no, dispatch.kind, dispatch.address, dispatch.due_at),
        status=SmsStatus.queued,
        attempts=0,
        next_attempt_at=now,
        dlr_token=secrets.token_urlsafe(24),
        created_at=now,
        updated_at=now,
    )
    if not dispatch.mobile:
        message.status, message.next_attempt_at, message.last_error = (
            SmsStatus.failed,
            None,
            NO_MOBILE,
        )
    session.add(message)
    session.flush()
    return message


def messages_of_ticket(session: Session, ticket_id: uuid.UUID) -> list[SmsMessage]:
    """The ticket's messages, oldest first (the ticket page's 短信 section)."""
    stmt = (
        select(SmsMessage)
        .where(SmsMessage.ticket_id == ticket_id)
        .order_by(SmsMessage.created_at, SmsMessage.id)
    )
    return list(session.execute(stmt).scalars())
