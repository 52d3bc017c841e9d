"""The outbox sender: claim due messages, send each through Kannel, record the outcome.

Claiming (attempts + 1, the next attempt moved past a lease) commits before anything is
sent, so the scheduler's job and `fedcrm sms send-pending` running at once never send a
message twice; a process that dies mid-send leaves the message to be tried again when
the lease runs out (at least once, never silently lost)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.db.types import utcnow
from node.db.unit_of_work import Database
from node.settings import SmsSection
from node.sms.kannel import KannelClient, KannelRefused, KannelUnreachable, Outgoing
from node.sms.models import SmsMessage, SmsStatus

# Past the HTTP timeout with room to spare: a claimed message whose sender died is
# claimable again after this.
LEASE_MARGIN = timedelta(seconds=30)


@dataclass
class OutboxReport:
    """What one run of the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unreachable: list[str] = field(default_factory=list)  # each attempt Kannel did not take

    @property
    def claimed(self) -> int:
        return self.sent + self.retrying + self.failed


def backoff(settings: SmsSection, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: doubled each time, capped."""
    seconds = settings.retry_backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.retry_backoff_max_seconds))


def claim_due(session: Session, settings: SmsSection, now: datetime) -> list[Outgoing]:
    """Take up to a batch of due queued messages for this run (in the caller's transaction)."""
    stmt = (
        select(SmsMessage)
        .where(SmsMessage.status == SmsStatus.queued, SmsMessage.next_attempt_at <= now)
        .order_by(SmsMessage.next_attempt_at, SmsMessage.id)
        .limit(settings.batch_size)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's write lock serializes
    )
    lease = timedelta(seconds=settings.timeout_seconds) + LEASE_MARGIN
    claimed = []
    for message in session.execute(stmt).scalars():
        message.attempts += 1
        message.next_attempt_at = now + lease
        message.updated_at = utcnow()
        assert message.to_number is not None  # a message without a number is never queued
        claimed.append(
            Outgoing(str(message.id), message.to_number, message.text, message.dlr_token)
        )
    session.flush()
    return claimed


def record_sent(session: Session, message_id: uuid.UUID, reply: str) -> None:
    """Kannel took the message. A delivery report may already have moved it on (Kannel
    can report before this is recorded): then only the reply is kept."""
    message = _locked(session, message_id)
    if message.status == SmsStatus.queued:
        message.status = SmsStatus.sent
    message.sent_at = utcnow()
    message.kannel_reply = reply
    message.last_error = None
    message.next_attempt_at = None
    message.updated_at = utcnow()


def record_failure(
    session: Session,
    settings: SmsSection,
    message_id: uuid.UUID,
    error: str,
    now: datetime,
    final: bool,
) -> SmsStatus:
    """An attempt failed: try again after the backoff, or give up (attempts spent, or
    `final`: Kannel refused it). Returns the message's status after."""
    message = _locked(session, message_id)
    message.last_error = error[:1000]
    message.updated_at = utcnow()
    if message.status != SmsStatus.queued:
        return SmsStatus(message.status)  # a delivery report got there first
    if final or message.attempts >= settings.max_attempts:
        message.status = SmsStatus.failed
        message.next_attempt_at = None
    else:
        message.next_attempt_at = now + backoff(settings, message.attempts)
    return SmsStatus(message.status)


def _locked(session: Session, message_id: uuid.UUID) -> SmsMessage:
    stmt = select(SmsMessage).where(SmsMessage.id == message_id).with_for_update()
    return session.execute(stmt).scalar_one()


def run_outbox(
    db: Database, settings: SmsSection, client: KannelClient, now: datetime | None = None
) -> OutboxReport:
    """Send every message due at `now` (default: now) once; one transaction per message
    after the claim, so one bad message never holds back the others."""
    now = now or utcnow()
    report = OutboxReport()
    with db.unit_of_work() as session:
        claimed = claim_due(session, settings, now)
    for outgoing in claimed:
        message_id = uuid.UUID(outgoing.message_id)
        try:
            reply = client.send(outgoing)
        except (KannelUnreachable, KannelRefused) as exc:
            refused = isinstance(exc, KannelRefused)
            if not refused:
                report.unreachable.append(str(exc))
            with db.unit_of_work() as session:
                after = record_failure(session, settings, message_id, str(exc), now, refused)
            if after is SmsStatus.failed:
                report.failed += 1
            elif after is SmsStatus.queued:
                report.retrying += 1
            else:
                report.sent += 1
            continue
        with db.unit_of_work() as session:
            record_sent(session, message_id, reply)
        report.sent += 1
    return report
