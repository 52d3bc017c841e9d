"""Answering a figure request from the stored partials (what the CLI and the API call)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rollup.figures import Figures, figures
from rollup.figures.churn import trend_months
from rollup.labels import Labels
from rollup.models import RollupRun
from rollup.periods import PeriodError, format_period, parse_period
from rollup.store import last_run, load_partials


class RollupUnavailable(LookupError):
    """Nothing has been computed yet (the message says how to compute it)."""


class PeriodOutOfRange(PeriodError):
    """A well-formed period outside the months the stored partials cover."""


def default_period(session: Session) -> int:
    """The last complete month of the stored window (the one before the current)."""
    run = _require_run(session)
    return parse_period(run.window_last) - 1


def read_figures(
    session: Session, name: str, period: int | None, group_by: str, labels: Labels
) -> Figures:
    """Figure set `name` for `period` (default: last complete month) by `group_by`.

    Raises RollupUnavailable, PeriodOutOfRange or figures.GroupingError.
    """
    run = _require_run(session)
    first, last = parse_period(run.window_first), parse_period(run.window_last)
    if period is None:
        period = last - 1
    if not first <= period <= last:
        raise PeriodOutOfRange(
            f"period {format_period(period)} is outside the months rollups cover "
            f"({run.window_first} .. {run.window_last})"
        )
    months = [m for m in trend_months(period) if m >= first]
    result = figures(name, load_partials(session, months), period, group_by, labels)
    result.computed_at = run.finished_at.isoformat()
    return result


def _require_run(session: Session) -> RollupRun:
    run = last_run(session)
    if run is None:
        raise RollupUnavailable(
            "no rollup has been computed on this node yet: run `fedcrm rollup DIR` or "
            "POST /api/v1/rollups/refresh"
        )
    return run
