"""The outbox in Prometheus terms, read from the table at scrape time.

Counted from the rows rather than in the sending process, so the figures are the same
whichever process sent (`fedcrm serve`'s job or `fedcrm sms send-pending`), include
the messages that failed at dispatch (no mobile number), and survive a restart. The
outbox keeps its rows, so the counts only grow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from node.db.types import utcnow
from node.db.unit_of_work import Database
from node.sms.models import SmsMessage, SmsStatus


class SmsCollector(Collector):
    """fedcrm_sms_{sent,delivered,failed}_total, fedcrm_sms_queued and the age of the
    oldest queued message."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with self.db.unit_of_work(write=False) as session:
            by_status = dict(
                session.execute(
                    select(SmsMessage.status, func.count()).group_by(SmsMessage.status)
                ).all()
            )
            accepted = session.execute(
                select(func.count()).where(SmsMessage.sent_at.is_not(None))
            ).scalar_one()
            oldest = session.execute(
                select(func.min(SmsMessage.created_at)).where(SmsMessage.status == SmsStatus.queued)
            ).scalar_one()
        yield CounterMetricFamily(
            "fedcrm_sms_sent", "Work-order SMS accepted by Kannel", value=accepted
        )
        yield CounterMetricFamily(
            "fedcrm_sms_delivered",
            "Work-order SMS the handset received (delivery report 1)",
            value=by_status.get(SmsStatus.delivered, 0),
        )
        yield CounterMetricFamily(
            "fedcrm_sms_failed",
            "Work-order SMS given up: no mobile number, refused, attempts spent or undelivered",
            value=by_status.get(SmsStatus.failed, 0),
        )
        yield GaugeMetricFamily(
            "fedcrm_sms_queued",
            "Work-order SMS waiting to be sent",
            value=by_status.get(SmsStatus.queued, 0),
        )
        age = 0.0
        if oldest is not None:
            # An aggregate can come back naive from SQLite: those are UTC.
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            age = max(0.0, (utcnow() - oldest).total_seconds())
        yield GaugeMetricFamily(
            "fedcrm_sms_oldest_queued_age_seconds",
            "How long the oldest waiting work-order SMS has waited (0 when none)",
            value=age,
        )
