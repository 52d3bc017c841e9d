"""Scheduler wiring (composition root): the background jobs `fedcrm serve` runs.

federation and rollup add their own jobs through their entry points; this module only
owns the scheduler's life.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI

from federation.entry import schedule_federation
from node.db.unit_of_work import Database
from node.knowledge.jobs import take_articles_from_above
from node.sms.jobs import schedule_sms
from node.surveys.jobs import schedule_figures_fold, schedule_survey_fill
from node.surveys.publications import take_questionnaires_from_above
from rollup.entry import schedule_rollups


class _QuietSkips(logging.Filter):
    """Drop APScheduler's warning that a job is still running: with max_instances=1 that is
    the intended behaviour (a long catch-up simply spans several intervals)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


_QUIET_SKIPS = _QuietSkips()  # one instance: addFilter ignores it when already there


def _take_from_above(db: Database) -> None:
    """What the pull brought from above becomes the node's read-only rows."""
    take_articles_from_above(db)
    take_questionnaires_from_above(db)


def start_jobs(app: FastAPI) -> BackgroundScheduler:
    """Start replication, SFTP ingest, rollup, SMS and callback-filling jobs."""
    scheduler = BackgroundScheduler(timezone="UTC")
    logging.getLogger("apscheduler.scheduler").addFilter(_QUIET_SKIPS)
    db = app.state.db
    schedule_federation(scheduler, app, after_pull=lambda: _take_from_above(db))
    schedule_rollups(scheduler, app.state.db)
    schedule_sms(scheduler, app.state.db, app.state.settings.sms)
    schedule_survey_fill(scheduler, app.state.db)
    schedule_figures_fold(scheduler, app.state.db)
    scheduler.start()
    return scheduler
