"""When rollups recompute on their own: nightly, and after new rows settle (debounced).

The composition root (node/app.py) schedules `RollupJobs.nightly` once a night and
`RollupJobs.after_changes` every CHECK_SECONDS. The check is two indexed look-ups (the
largest seq, the last run); it recomputes when rows newer than the last run's
watermark have stopped arriving for QUIET_SECONDS (a child's batches come in bursts),
or have kept arriving for MAX_DELAY_SECONDS (so a steady stream of changes still gets
rolled up), or when a new month began. Each run recomputes only the changed origins
(rollup.refresh).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from node.db.unit_of_work import Database
from rollup.periods import DEFAULT_TZ, current_month, format_period
from rollup.refresh import ConcurrentRun, RunResult, max_seq, refresh
from rollup.store import last_run

log = logging.getLogger("fedcrm.rollup")

CHECK_SECONDS = 30.0
# A recompute costs seconds of CPU on a big node: wait until a burst of batches is over.
QUIET_SECONDS = 300.0
MAX_DELAY_SECONDS = 3600.0
NIGHTLY_AT = (2, 30)  # 02:30 in TIMEZONE, after the evening's batches
TIMEZONE = DEFAULT_TZ


class RollupJobs:
    """The scheduled entry points, with the debounce state between checks."""

    def __init__(
        self,
        db: Database,
        *,
        quiet_seconds: float = QUIET_SECONDS,
        max_delay_seconds: float = MAX_DELAY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime | None] = lambda: None,
        run: Callable[..., RunResult] = refresh,
    ) -> None:
        self.db = db
        self.quiet = quiet_seconds
        self.max_delay = max_delay_seconds
        self._clock = clock
        self._now = now
        self._run = run
        self._seen: int | None = None
        self._changed_at = 0.0
        self._pending_since: float | None = None

    def nightly(self) -> RunResult | None:
        """Recompute what changed (everything on the first night of a month)."""
        return self._recompute("nightly")

    def after_changes(self) -> RunResult | None:
        """Recompute if changes have settled, waited too long, or the month changed."""
        with self.db.unit_of_work(write=False) as session:
            latest = max_seq(session)
            run = last_run(session)
        month = format_period(current_month(DEFAULT_TZ, self._now()))
        if run is not None and latest <= run.watermark and run.window_last == month:
            self._pending_since = None
            return None
        now = self._clock()
        if latest != self._seen:
            self._seen, self._changed_at = latest, now
        if self._pending_since is None:
            self._pending_since = now
        new_month = run is not None and run.window_last != month
        quiet = now - self._changed_at >= self.quiet
        overdue = now - self._pending_since >= self.max_delay
        if not (quiet or overdue or new_month):
            return None
        return self._recompute("changes")

    def _recompute(self, trigger: str) -> RunResult | None:
        try:
            result = self._run(self.db, trigger, now=self._now())
        except ConcurrentRun as exc:
            log.info("rollup (%s): %s", trigger, exc)
            return None
        self._pending_since = None
        log.info("rollup (%s): %s", trigger, result.describe())
        return result
