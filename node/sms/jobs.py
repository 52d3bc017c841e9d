"""The outbox as a background job of `fedcrm serve`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler

from node.db.unit_of_work import Database
from node.settings import SmsSection
from node.sms.kannel import KannelClient
from node.sms.sender import run_outbox

log = logging.getLogger(__name__)
JOB_ID = "send-sms"


def schedule_sms(scheduler: BaseScheduler, db: Database, settings: SmsSection) -> None:
    """Run the outbox every `sms.interval_seconds` when SMS is on; nothing otherwise."""
    if not settings.enabled:
        return
    client = KannelClient(settings)  # one connection pool for the life of the process

    def send() -> None:
        report = run_outbox(db, settings, client)
        if report.unreachable:
            log.warning(
                "sms: %d message(s) not taken by Kannel, retried later: %s",
                len(report.unreachable),
                report.unreachable[-1],
            )

    scheduler.add_job(
        send,
        "interval",
        id=JOB_ID,
        seconds=settings.interval_seconds,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
