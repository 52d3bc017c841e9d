"""The callback surveys' background jobs under `fedcrm serve`: self-filling campaigns
(node.surveys.auto_fill) every minute, and the results' figure deltas folded into the
replicated figures (node.surveys.figures_fold) every few seconds."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler

from node.db.types import utcnow
from node.db.unit_of_work import Database
from node.surveys.auto_fill import fill_open_campaigns
from node.surveys.figures_fold import fold_batch

JOB_ID = "fill-callback-campaigns"
INTERVAL_SECONDS = 60  # a work order closed is a callback queued within a minute
FOLD_JOB_ID = "fold-callback-figures"
FOLD_SECONDS = 5  # how far the callback reports may trail the results


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


def schedule_figures_fold(scheduler: BaseScheduler, db: Database) -> None:
    """Fold the results' figure deltas every FOLD_SECONDS, a transaction per batch."""

    def fold() -> None:
        while True:
            with db.unit_of_work() as session:
                if not fold_batch(session):
                    return

    scheduler.add_job(
        fold,
        "interval",
        id=FOLD_JOB_ID,
        seconds=FOLD_SECONDS,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
