"""Rollup figures for the dashboard, limited to one province or city when drilling down.

The figures are rollup's own (`read_figures`, or `figures` over the stored partials
when a scope is chosen); only the partials are filtered here, by origin, before rollup
merges them, so a drilled-down figure is exactly what that subtree's own node computes.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from rollup.entry import (
    Figures,
    Labels,
    PeriodOutOfRange,
    RollupUnavailable,
    figures,
    format_period,
    last_run,
    load_partials,
    parse_period,
    province_of,
    read_figures,
    trend_months,
)

HQ = "000000"


def window(session: Session) -> list[str]:
    """The months stored partials cover, newest first ([] before any rollup run)."""
    run = last_run(session)
    if run is None:
        return []
    first, last = parse_period(run.window_first), parse_period(run.window_last)
    return [format_period(m) for m in range(last, first - 1, -1)]


def in_scope(table: pa.Table, scope: str) -> pa.Table:
    """Rows of `table` whose origin lies in `scope` (a province's subtree, or one city)."""
    origins = table.column("origin")
    if scope.endswith("0000"):
        return table.filter(pc.equal(province_of(origins), scope))
    return table.filter(pc.equal(origins, scope))


def scoped_figures(
    session: Session,
    name: str,
    period: int | None,
    group_by: str,
    labels: Labels,
    scope: str | None,
) -> Figures:
    """Figure set `name` over the whole node (scope None) or one subtree of it.

    Raises RollupUnavailable or PeriodOutOfRange as rollup.reading does.
    """
    if scope is None or scope == HQ:
        return read_figures(session, name, period, group_by, labels)
    run = last_run(session)
    if run is None:
        raise RollupUnavailable("no rollup has been computed on this node yet")
    first, last = parse_period(run.window_first), parse_period(run.window_last)
    month = last - 1 if period is None else period
    if not first <= month <= last:
        raise PeriodOutOfRange(
            f"period {format_period(month)} is outside {run.window_first} .. {run.window_last}"
        )
    months: Sequence[int] = [m for m in trend_months(month) if m >= first]
    parts = {k: in_scope(v, scope) for k, v in load_partials(session, months).items()}
    result = figures(name, parts, month, group_by, labels)
    result.computed_at = run.finished_at.isoformat()
    return result
