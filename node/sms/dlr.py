"""Kannel's delivery reports: checking what it posts, and what each report does.

Each message's report URL carries the message's own unguessable token, so a report can
only speak for the message it was made for; anything else in it is checked as strictly
as any request from outside (bad input: 4xx naming the field, never a 5xx)."""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.db.types import utcnow
from node.errors import PermissionDenied, invalid
from node.sms.models import SmsMessage, SmsStatus

DELIVERED = 1
UNDELIVERED = 2
QUEUED_ON_SMSC = 4
DELIVERED_TO_SMSC = 8
REJECTED_BY_SMSC = 16
KINDS = (DELIVERED, UNDELIVERED, QUEUED_ON_SMSC, DELIVERED_TO_SMSC, REJECTED_BY_SMSC)
MAX_TOKEN = 64
# A report's time must be a plausible Unix time (2000-01-01 .. 2100-01-01).
EARLIEST, LATEST = 946_684_800, 4_102_444_800
WRONG_TOKEN = "回执凭证不对 (the token does not match this message)"


def parse_report(
    message_id: str | None, token: str | None, status: str | None, ts: str | None
) -> tuple[uuid.UUID, str, int, datetime | None]:
    """The report's values, checked; InvalidFields naming the first bad field."""
    if not message_id:
        raise invalid("id", "缺少短信编号 (missing: the message id)")
    try:
        parsed_id = uuid.UUID(message_id)
    except ValueError:
        raise invalid("id", "不是有效的短信编号 (not a message id)") from None
    if not token or len(token) > MAX_TOKEN:
        raise invalid("token", "缺少或过长的回执凭证 (missing or too long: the token)")
    if status is None or not status.isascii() or not status.isdigit() or len(status) > 3:
        raise invalid("status", "回执类型应为 1、2、4、8 或 16 (status must be 1, 2, 4, 8 or 16)")
    kind = int(status)
    if kind not in KINDS:
        raise invalid("status", "回执类型应为 1、2、4、8 或 16 (status must be 1, 2, 4, 8 or 16)")
    at = None
    if ts:  # Kannel's %T; some set-ups leave it out
        if len(ts) > 12 or not ts.isascii() or not ts.isdigit() or not EARLIEST <= int(ts) < LATEST:
            raise invalid("ts", "回执时间应为 Unix 时间 (ts must be a Unix time)")
        at = datetime.fromtimestamp(int(ts), UTC)
    return parsed_id, token, kind, at


def apply_report(
    session: Session, message_id: uuid.UUID, token: str, kind: int, at: datetime | None
) -> SmsMessage:
    """Record the report on its message. 1 delivers it, 2 and 16 fail it, 4 and 8 only
    say where it is; a delivered message stays delivered whatever comes after, and a
    report repeated changes nothing."""
    message = session.execute(
        select(SmsMessage).where(SmsMessage.id == message_id).with_for_update()
    ).scalar_one_or_none()
    # An unknown id and a wrong token answer alike: ids are not to be probed.
    if message is None or not hmac.compare_digest(message.dlr_token, token):
        raise PermissionDenied(WRONG_TOKEN)
    if message.status == SmsStatus.delivered:
        return message
    message.dlr_status = kind
    message.dlr_at = at or utcnow()
    message.updated_at = utcnow()
    if kind == DELIVERED:
        message.status = SmsStatus.delivered
        message.last_error = None
    elif kind in (UNDELIVERED, REJECTED_BY_SMSC):
        message.status = SmsStatus.failed
        message.last_error = f"短信未送达 (not delivered): 回执 (report) {kind}"
    elif message.status == SmsStatus.queued:
        message.status = SmsStatus.sent  # Kannel reported before the sender recorded it
    session.flush()
    return message
