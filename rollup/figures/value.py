"""Customer value: monthly revenue per customer and a simple lifetime value, by segment.

ARPU = revenue at the period's end / customers active at its end. Expected lifetime in
months = 1 / the pooled monthly churn rate of the twelve months up to the period (the
churned of all twelve over the active-at-start of all twelve); lifetime value = ARPU x
expected lifetime. With no churn in the twelve months the lifetime (and value) is null:
unbounded, not a number to put in a report.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from rollup.figures.churn import trend_months
from rollup.figures.grouping import (
    CITY,
    PROVINCE,
    TOTAL,
    Figures,
    group_keys,
    grouped,
    in_periods,
    ratio,
    yuan,
)
from rollup.labels import Labels
from rollup.partials import CHURN, CUSTOMERS
from rollup.periods import format_period

NAME = "value"
GROUPINGS = (TOTAL, CITY, PROVINCE, "grade", "type", "tenure", "key_account")
COLUMNS = [
    "customers",
    "revenue",
    "arpu",
    "churn_rate_12m",
    "expected_lifetime_months",
    "lifetime_value",
]


def value_figures(
    parts: dict[str, pa.Table], period: int, group_by: str, labels: Labels
) -> Figures:
    """Value figures of `period` per group."""
    months = trend_months(period)
    customers12 = in_periods(parts[CUSTOMERS.name], months)
    now = grouped(CUSTOMERS, in_periods(customers12, [period]), group_by)
    year = grouped(CUSTOMERS, customers12, group_by)
    lost = grouped(CHURN, in_periods(parts[CHURN.name], months), group_by)
    rows = [
        _row(g, labels.of(group_by, g), now.get(g, {}), year.get(g, {}), lost.get(g, {}))
        for g in group_keys(group_by, now, year)
    ]
    total = _row(
        TOTAL,
        labels.of(TOTAL, TOTAL),
        grouped(CUSTOMERS, in_periods(customers12, [period]), TOTAL).get(TOTAL, {}),
        grouped(CUSTOMERS, customers12, TOTAL).get(TOTAL, {}),
        grouped(CHURN, in_periods(parts[CHURN.name], months), TOTAL).get(TOTAL, {}),
    )
    return Figures(
        NAME,
        format_period(period),
        group_by,
        COLUMNS,
        rows,
        total,
        extra={"months_used": [format_period(m) for m in months]},
    )


def _row(
    key: str | None, label: str, now: dict[str, int], year: dict[str, int], lost: dict[str, int]
) -> dict[str, Any]:
    arpu = ratio(now.get("revenue_at_end", 0), now.get("active_at_end", 0))
    rate = ratio(lost.get("churned_from_start", 0), year.get("active_at_start", 0))
    lifetime = 1 / rate if rate else None
    return {
        "key": key,
        "label": label,
        "customers": now.get("active_at_end", 0),
        "revenue": yuan(now.get("revenue_at_end", 0)),
        "arpu": None if arpu is None else round(arpu / 100, 4),
        "churn_rate_12m": rate,
        "expected_lifetime_months": lifetime,
        "lifetime_value": None
        if arpu is None or lifetime is None
        else round(arpu * lifetime / 100, 2),
    }
