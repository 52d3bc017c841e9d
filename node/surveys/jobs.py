"""Self-filling campaigns as a background job of `fedcrm serve` (node.surveys.auto_fill)."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler

from node.db.types import utcnow
from node.db.unit_of_work import Database
from node.surveys.auto_fill import fill_open_campaigns

JOB_ID = "fill-callback-campaigns"
INTERVAL_SECONDS = 60  # a work order closed is a callback queued within a minute


def schedule_survey_fill(scheduler: BaseScheduler, db: Database) -> None:
    """Run the self-filling campaigns every minute, one transaction per run."""

    def fill() -> None:
        with db.unit_of_work() as session:
            fill_open_campaigns(session, utcnow())

    scheduler.add_job(
        fill,
        "interval",
        id=JOB_ID,
        seconds=INTERVAL_SECONDS,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
