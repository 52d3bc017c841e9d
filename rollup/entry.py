"""rollup's one entry point: how the composition root (app factory, scheduler wiring,
CLI, web pages, migrations) uses this package.

`install_rollup` mounts the rollup routes on an app; `schedule_rollups` adds the
nightly and after-changes recomputes to a scheduler. The names re-exported below are
what the CLI and the dashboard read and render. Nothing outside rollup imports its
modules directly (import-linter holds it).
"""

from __future__ import annotations

from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from fastapi import FastAPI
from sqlalchemy.orm import Session

import rollup.models  # noqa: F401  (registers the rollup tables: migrations need them)
from node.api.openapi import errors
from node.db.unit_of_work import Database
from rollup import schedule
from rollup.endpoints import router
from rollup.export import NEEDS_FILE, display, excel_format, percent, write
from rollup.figures import FIGURES, Figures, figures
from rollup.figures.churn import trend_months
from rollup.figures.grouping import province_of
from rollup.labels import COLUMN_TITLES, FIGURE_TITLES, GROUP_TITLES, Labels, load_labels
from rollup.periods import PeriodError, format_period, parse_period
from rollup.reading import PeriodOutOfRange, RollupUnavailable, read_figures
from rollup.refresh import ConcurrentRun, RunResult, refresh
from rollup.report import build_report, svg
from rollup.store import last_run, load_partials

__all__ = [
    "COLUMN_TITLES",
    "FIGURES",
    "FIGURE_TITLES",
    "GROUP_TITLES",
    "NEEDS_FILE",
    "ConcurrentRun",
    "Figures",
    "Labels",
    "PeriodError",
    "PeriodOutOfRange",
    "RollupUnavailable",
    "RunResult",
    "build_report",
    "display",
    "excel_format",
    "figures",
    "format_period",
    "install_rollup",
    "last_run",
    "load_labels",
    "load_partials",
    "parse_period",
    "percent",
    "province_of",
    "read_figures",
    "refresh",
    "schedule_rollups",
    "svg",
    "trend_months",
    "write",
]


def install_rollup(app: FastAPI, node_names: Callable[[Session], dict[str, str]]) -> None:
    """Mount the rollup routes; `node_names` names this node and its children in labels
    (the registry of children is federation's, which rollup does not import)."""
    app.include_router(router, responses=errors(409))
    app.state.rollup_node_names = node_names


def schedule_rollups(scheduler: BaseScheduler, db: Database) -> None:
    """Recompute rollups nightly and when replicated or local changes settle."""
    jobs = schedule.RollupJobs(db)
    hour, minute = schedule.NIGHTLY_AT
    scheduler.add_job(
        jobs.nightly,
        CronTrigger(hour=hour, minute=minute, timezone=schedule.TIMEZONE),
        id="rollup-nightly",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        jobs.after_changes,
        "interval",
        id="rollup-after-changes",
        seconds=schedule.CHECK_SECONDS,
        max_instances=1,
        coalesce=True,
    )
