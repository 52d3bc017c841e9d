"""Service (服务): tickets, SLA compliance, time to resolve, repeat repairs, satisfaction."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from rollup.figures.churn import trend_months
from rollup.figures.grouping import (
    CITY,
    MONTH,
    PROVINCE,
    TOTAL,
    Figures,
    group_keys,
    grouped,
    in_periods,
    ratio,
)
from rollup.labels import Labels
from rollup.partials import TICKETS
from rollup.periods import format_period

NAME = "service"
GROUPINGS = (TOTAL, CITY, PROVINCE, "kind", "severity", MONTH)
COLUMNS = [
    "opened",
    "resolved",
    "sla_resolved",
    "sla_met",
    "sla_rate",
    "mean_hours_to_resolve",
    "repairs_opened",
    "repeat_repairs",
    "repeat_repair_rate",
    "satisfaction_count",
    "satisfaction_mean",
]
_US_PER_HOUR = 3_600_000_000


def service_figures(
    parts: dict[str, pa.Table], period: int, group_by: str, labels: Labels
) -> Figures:
    """Service figures of `period` per group (group_by=month: the 12 months up to it)."""
    months = trend_months(period) if group_by == MONTH else [period]
    tickets = in_periods(parts[TICKETS.name], months)
    by_group = grouped(TICKETS, tickets, group_by)
    keys = group_keys(group_by, by_group)
    if group_by == MONTH:
        keys = [format_period(m) for m in months]
    rows = [_row(g, labels.of(group_by, g), by_group.get(g, {})) for g in keys]
    whole = grouped(TICKETS, in_periods(tickets, [period]), TOTAL).get(TOTAL, {})
    total = _row(TOTAL, labels.of(TOTAL, TOTAL), whole)
    return Figures(NAME, format_period(period), group_by, COLUMNS, rows, total)


def _row(key: str | None, label: str, t: dict[str, int]) -> dict[str, Any]:
    get = lambda m: t.get(m, 0)  # noqa: E731
    hours = ratio(get("resolve_us"), get("resolved"))
    return {
        "key": key,
        "label": label,
        "opened": get("opened"),
        "resolved": get("resolved"),
        "sla_resolved": get("sla_resolved"),
        "sla_met": get("sla_met"),
        "sla_rate": ratio(get("sla_met"), get("sla_resolved")),
        "mean_hours_to_resolve": None if hours is None else hours / _US_PER_HOUR,
        "repairs_opened": get("repairs_opened"),
        "repeat_repairs": get("repeat_repairs"),
        "repeat_repair_rate": ratio(get("repeat_repairs"), get("repairs_opened")),
        "satisfaction_count": get("satisfaction_count"),
        "satisfaction_mean": ratio(get("satisfaction_sum"), get("satisfaction_count")),
    }
